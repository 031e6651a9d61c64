import re
import secrets
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from basispoort.hashing import check_secret_hash, make_secret_hash, secret_hash_candidates
from pupils.models import Pupil

from .devices import device_label_display

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
    def showing(self, pupils):
        """The live devices that show any of ``pupils`` (a family's children), most recently
        used first, each with ``family_entries``: its entries for those pupils only, so a
        parent never sees another family's child on a shared device."""
        entries = DeviceGrantPupil.objects.live().filter(pupil__in=pupils).select_related("pupil")
        return (
            self.filter(revoked_at__isnull=True, pk__in=entries.values("grant_id"))
            .prefetch_related(models.Prefetch(
                "entries", queryset=entries.order_by("pupil__first_name"), to_attr="family_entries"))
            .order_by(models.F("last_used_at").desc(nulls_last=True), "-created_at")
        )

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
    # "Chrome op Android": made from the User-Agent when the device first entered a code
    # (homelogin/devices.py); the User-Agent itself is not kept.
    label = models.CharField(_("soort apparaat"), max_length=100, blank=True)
    # A name a parent gives it ("iPad keuken").
    name = models.CharField(_("naam"), max_length=40, blank=True)
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
        if self.name or self.label:
            return self.name or device_label_display(self.label)
        return _("apparaat van %(date)s") % {
            "date": timezone.localtime(self.created_at).strftime("%d-%m-%Y %H:%M")
        }

    @staticmethod
    def hash_token(token):
        return make_secret_hash(token, purpose="device", salt="")

    @property
    def label_display(self):
        return device_label_display(self.label)

    def visible_pupils(self):
        """The pupils whose tiles this device shows: their code is still the current one, and
        they may log in at home (active, home login on, school active)."""
        current = self.entries.filter(code__revoked_at__isnull=True).values("pupil_id")
        return (
            Pupil.objects.active().filter(home_login_enabled=True, pk__in=current)
            .select_related("school").order_by("first_name", "last_name", "pk")
        )


class DeviceGrantPupilQuerySet(models.QuerySet):
    def live(self):
        return self.filter(grant__revoked_at__isnull=True, code__revoked_at__isnull=True)

    def for_pupil(self, pupil):
        """The home devices that show ``pupil`` now, most recently used first: what the
        teacher's pupil page lists, one by one."""
        return (
            self.live().filter(pupil=pupil).select_related("grant", "rescue_code")
            .order_by(models.F("last_used_at").desc(nulls_last=True), "-added_at")
        )


class DeviceGrantPupil(models.Model):
    """One pupil on one home device: it came in with the pupil's card code (``code``) or with a
    rescue code (``rescue_code``; then ``code`` is the card code that was current at the time,
    or empty when there was none). Printing a new card ends every entry of the pupil."""

    grant = models.ForeignKey(DeviceGrant, on_delete=models.CASCADE, related_name="entries")
    pupil = models.ForeignKey("pupils.Pupil", on_delete=models.CASCADE, related_name="+")
    code = models.ForeignKey(HomeLoginCode, null=True, blank=True, on_delete=models.CASCADE,
                             related_name="device_entries")
    rescue_code = models.ForeignKey("RescueCode", null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    added_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)  # the pupil's last login on it

    objects = DeviceGrantPupilQuerySet.as_manager()

    class Meta:
        verbose_name = _("leerling op thuisapparaat")
        verbose_name_plural = _("leerlingen op thuisapparaten")
        constraints = [
            models.UniqueConstraint(fields=["grant", "pupil"], name="device_grant_pupil_unique"),
        ]

    def __str__(self):
        return f"{self.pupil} @ {self.grant}"


# Rescue codes: one pupil, once, for RESCUE_CODE_MINUTES, on one device. Ten characters from the
# card alphabet, typed in the same field as a card code (which has twelve); docs/security.md
# has the numbers that make ten enough.
RESCUE_CODE_LENGTH = 10
RESCUE_CODE_MINUTES = 20


class RescueCodeQuerySet(models.QuerySet):
    def live(self):
        return self.filter(used_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now())

    def find(self, code):
        """The live rescue code ``code`` (as RescueCode.normalise gives it), or None."""
        if not code:
            return None
        return (self.live().select_related("pupil__school", "pupil__user")
                .filter(code_hash__in=secret_hash_candidates(code, purpose="rescue-code")).first())

    def recent_for(self, pupil, days=30):
        """``pupil``'s rescue codes of the last ``days`` days, newest first: the teacher sees
        who made one and whether (and on what device) it was used."""
        return (self.filter(pupil=pupil, created_at__gte=timezone.now() - timedelta(days=days))
                .select_related("created_by", "used_on"))


class RescueCode(models.Model):
    """A one-time code for a lost or forgotten card, made by a teacher or by a parent from their
    own account and shown only on their screen. It lets one device show the pupil's tile (the
    PIN is still asked), works once and for RESCUE_CODE_MINUTES, and leaves the card's code as
    it is. Only a keyed hash is stored (no salt, so the row can be found by it)."""

    pupil = models.ForeignKey("pupils.Pupil", on_delete=models.CASCADE, related_name="rescue_codes")
    code_hash = models.CharField(max_length=128, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    used_on = models.ForeignKey(DeviceGrant, null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="+")
    revoked_at = models.DateTimeField(null=True, blank=True)  # a newer one was made

    objects = RescueCodeQuerySet.as_manager()

    class Meta:
        verbose_name = _("reservecode")
        verbose_name_plural = _("reservecodes")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.pupil} {self.created_at:%Y-%m-%d %H:%M}"

    @staticmethod
    def normalise(text):
        """The code from what someone typed (case, spaces and dashes do not matter), or None
        when it cannot be a rescue code."""
        code = _NOT_CODE_CHARS.sub("", text or "").upper()
        if len(code) != RESCUE_CODE_LENGTH or any(c not in CODE_ALPHABET for c in code):
            return None
        return code

    @staticmethod
    def format(code):
        half = RESCUE_CODE_LENGTH // 2
        return f"{code[:half]}-{code[half:]}"

    @staticmethod
    def hash_code(code):
        return make_secret_hash(code, purpose="rescue-code", salt="")

    @property
    def expired(self):
        return self.expires_at <= timezone.now()

    @property
    def made_by_guardian(self):
        # The one who made it is one of this pupil's parents (a teacher who is also a parent
        # is one account: for their own child they act as the parent).
        return self.created_by_id is not None and GuardianLink.objects.filter(
            pupil_id=self.pupil_id, guardian_id=self.created_by_id).exists()
