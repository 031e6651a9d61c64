import re
import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from basispoort.hashing import check_secret_hash, make_secret_hash, secret_hash_candidates
from pupils.models import Pupil

MAX_GUARDIANS_PER_PUPIL = 2

# Home login codes: three groups of four from an alphabet without look-alikes (no 0/O, 1/I/L).
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
_NOT_CODE_CHARS = re.compile(r"[\s\-–—_.]+")


class GuardianLink(models.Model):
    """A parent or carer (a guardian User, logging in with e-mail) of one pupil.

    At most two per pupil. The rule is hard, so the database holds it too: each link takes one of
    two numbered slots, and a slot is unique per pupil.
    """

    pupil = models.ForeignKey("pupils.Pupil", on_delete=models.CASCADE, related_name="guardian_links")
    guardian = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="guardian_links"
    )
    slot = models.PositiveSmallIntegerField(editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("ouder/verzorger van leerling")
        verbose_name_plural = _("ouders/verzorgers van leerlingen")
        constraints = [
            models.UniqueConstraint(fields=["pupil", "guardian"], name="guardian_link_unique"),
            models.UniqueConstraint(fields=["pupil", "slot"], name="guardian_link_max_two"),
            models.CheckConstraint(
                condition=models.Q(slot__in=[1, 2]), name="guardian_link_slot_1_or_2"
            ),
        ]

    def __str__(self):
        return f"{self.guardian} → {self.pupil}"

    def save(self, *args, **kwargs):
        if self.slot is None:
            free = [s for s in (1, 2) if s not in self._taken_slots()]
            # No free slot: slot 3 is refused by the database's check constraint.
            self.slot = free[0] if free else MAX_GUARDIANS_PER_PUPIL + 1
        super().save(*args, **kwargs)

    def _taken_slots(self):
        return set(
            GuardianLink.objects.filter(pupil_id=self.pupil_id)
            .exclude(pk=self.pk)
            .values_list("slot", flat=True)
        )

    def clean(self):
        if self.pupil_id and self.slot is None and len(self._taken_slots()) >= MAX_GUARDIANS_PER_PUPIL:
            raise ValidationError(
                _("Een leerling heeft al twee e-mailadressen van ouders/verzorgers. "
                  "Verwijder er eerst een.")
            )


class HomeLoginCodeQuerySet(models.QuerySet):
    def current(self):
        return self.filter(revoked_at__isnull=True)

    def info_for(self, pupils):
        """``pupils`` (a Pupil queryset) annotated with ``code_issued_at`` (the current home
        login code's date, or None) and ``code_devices`` (how many live devices entered that
        code), in the same query: what a teacher's group page shows per pupil."""
        current = self.current().filter(pupil=models.OuterRef("pk"))
        return pupils.annotate(
            code_issued_at=models.Subquery(current.values("created_at")[:1]),
            code_devices=models.Subquery(
                current.annotate(n=models.Count(
                    "device_entries", filter=models.Q(device_entries__grant__revoked_at__isnull=True)
                )).values("n")[:1]
            ),
        )


class HomeLoginCode(models.Model):
    """A printed "thuis login code", e.g. K7QM-2XPA-9FHT.

    The first group is the public *selector* (unique among current codes, used to find the row;
    31**4 = 923,521 of them, see docs/decisions.md); the other eight
    characters are the secret *verifier*, stored only as a keyed hash. The code itself is shown
    once, when it is made (homelogin.services.issue_home_code).
    """

    pupil = models.ForeignKey("pupils.Pupil", on_delete=models.CASCADE, related_name="home_codes")
    selector = models.CharField(max_length=4, db_index=True)
    verifier_hash = models.CharField(max_length=128)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = HomeLoginCodeQuerySet.as_manager()

    class Meta:
        verbose_name = _("thuis login code")
        verbose_name_plural = _("thuis login codes")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["pupil"],
                condition=models.Q(revoked_at__isnull=True),
                name="home_code_one_current_per_pupil",
            ),
            # Unique among current codes only, so revoked codes give their selector back.
            models.UniqueConstraint(
                fields=["selector"],
                condition=models.Q(revoked_at__isnull=True),
                name="home_code_current_selector_unique",
            ),
        ]

    def __str__(self):
        return f"{self.selector}-****-**** ({self.pupil})"

    @staticmethod
    def random_part(length=4):
        return "".join(secrets.choice(CODE_ALPHABET) for _ in range(length))

    @staticmethod
    def split(text):
        """(selector, verifier) from what someone typed, forgivingly: lower case, spaces and
        missing or extra dashes all work. None when it cannot be a code."""
        code = _NOT_CODE_CHARS.sub("", text or "").upper()
        if len(code) != 12 or any(c not in CODE_ALPHABET for c in code):
            return None
        return code[:4], code[4:]

    @staticmethod
    def format(selector, verifier):
        return f"{selector}-{verifier[:4]}-{verifier[4:]}"

    def set_verifier(self, verifier):
        self.verifier_hash = make_secret_hash(verifier, purpose="home-code")

    def check_verifier(self, verifier):
        return check_secret_hash(verifier, self.verifier_hash, purpose="home-code")


class DeviceGrantQuerySet(models.QuerySet):
    def for_token(self, token):
        """The live grant whose cookie token this is, or None."""
        if not token:
            return None
        candidates = secret_hash_candidates(token, purpose="device")  # also under older keys
        grant = self.filter(token_hash__in=candidates, revoked_at__isnull=True).first()
        if grant is not None and grant.token_hash != candidates[0]:
            # Found under an older key: store it under the newest, so the old key can go.
            DeviceGrant.objects.filter(pk=grant.pk, token_hash=grant.token_hash).update(
                token_hash=candidates[0]
            )
            grant.token_hash = candidates[0]
        return grant


class DeviceGrant(models.Model):
    """The server-side half of a home device cookie: which pupils this device may show.

    The cookie holds only a random token; this row holds its keyed hash (no salt, so the row can
    be found by it). A pupil stays on the device while the code that was typed is current.
    """

    token_hash = models.CharField(max_length=128, unique=True)
    pupils = models.ManyToManyField(
        "pupils.Pupil", through="DeviceGrantPupil", related_name="device_grants"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = DeviceGrantQuerySet.as_manager()

    class Meta:
        verbose_name = _("thuisapparaat")
        verbose_name_plural = _("thuisapparaten")
        ordering = ["-created_at"]

    def __str__(self):
        return _("apparaat van %(date)s") % {
            "date": timezone.localtime(self.created_at).strftime("%d-%m-%Y %H:%M")
        }

    @staticmethod
    def hash_token(token):
        return make_secret_hash(token, purpose="device", salt="")

    def visible_pupils(self):
        """The pupils whose tiles this device shows: their code is still the current one, and
        they may log in at home (active, home login on, school active)."""
        current = self.entries.filter(code__revoked_at__isnull=True).values("pupil_id")
        return (
            Pupil.objects.active().filter(home_login_enabled=True, pk__in=current)
            .select_related("school").order_by("first_name", "last_name", "pk")
        )


class DeviceGrantPupil(models.Model):
    grant = models.ForeignKey(DeviceGrant, on_delete=models.CASCADE, related_name="entries")
    pupil = models.ForeignKey("pupils.Pupil", on_delete=models.CASCADE, related_name="+")
    code = models.ForeignKey(HomeLoginCode, on_delete=models.CASCADE, related_name="device_entries")
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("leerling op thuisapparaat")
        verbose_name_plural = _("leerlingen op thuisapparaten")
        constraints = [
            models.UniqueConstraint(fields=["grant", "pupil"], name="device_grant_pupil_unique"),
        ]

    def __str__(self):
        return f"{self.pupil} @ {self.grant}"
