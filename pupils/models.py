import re
import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from basispoort.compiled import CompiledQuery
from basispoort.hashing import check_secret_hash, make_secret_hash
from schools.models import Jaargroep

from .pictures import TILE_PICTURE_CHOICES, TILE_PICTURES, grid_for, random_tile_picture, tile_picture_url

PIN_RE = re.compile(r"^[0-9]{4}$")
# Generated PINs skip the ones anybody would guess first.
WEAK_PINS = {f"{d}" * 4 for d in "0123456789"} | {"1234", "4321", "0123", "9876", "1212", "6969"}


def generate_pin():
    while (pin := f"{secrets.randbelow(10000):04d}") in WEAK_PINS:
        pass
    return pin


def _namesake_label(pupil, others):
    """``pupil``'s label among pupils of the same first name with (prefix, last name) ``others``:
    the shortest start of the last name none of them shares (the proof that these labels never
    clash, unless the whole names do: a start that two share is never picked, and a whole last
    name that is the start of another is never shorter than the start picked for that other)."""
    prefix, last = pupil.last_name_prefix, pupil.last_name
    n = 1
    while n < len(last) and any(p == prefix and o[:n] == last[:n] for p, o in others):
        n += 1
    while n < len(last) and last[n - 1] in " -":  # never end on a space or hyphen: "Sem Jan-."
        n += 1
    shown = last if n >= len(last) else f"{last[:n]}."
    return " ".join(part for part in (pupil.first_name, prefix, shown) if part)


def _number_the_same(labels, pupils):
    """Pupils whose whole names are the same get (1), (2)... in the order given."""
    seen = {}
    for pupil in pupils:
        seen.setdefault(labels[pupil.pk], []).append(pupil)
    for label, same in seen.items():
        if len(same) > 1:
            for number, pupil in enumerate(same, start=1):
                labels[pupil.pk] = f"{label} ({number})"


class PupilQuerySet(models.QuerySet):
    def active(self):
        return self.filter(active=True, school__active=True)

    def lock_for_attempt(self, pk):
        """Row-lock one pupil until the end of the transaction. Login attempts on the same pupil
        then run one after another, so parallel requests cannot slip past the lockout count."""
        list(self.select_for_update().filter(pk=pk).order_by().values_list("pk", flat=True))

    def subjects_by_eckid(self, birth_dates, *, school):
        """{ECK iD: subject} for pupils new at ``school`` ({ECK iD: birth date or None}): the
        subject of a pupil with that ECK iD who left another school (no longer active there),
        the same child, who keeps their pseudonyms at publishers. Only a pupil another school
        has let go of: a wrong ECK iD in one school's file must never give a child the
        pseudonym of a child still at school, which would open that child's work at a
        publisher. A birth date both know must agree."""
        found = {}
        for pupil in (self.filter(eckid__in=[e for e in birth_dates if e], active=False)
                      .exclude(school=school).order_by("pk")):
            born = birth_dates[pupil.eckid]
            if born is None or pupil.birth_date is None or born == pupil.birth_date:
                found[pupil.eckid] = pupil.subject
        return found

    def for_group(self, group):
        """The pupils whose name tiles a classroom device of ``group`` shows, alphabetically
        (``group`` comes with its school, checked active: pupils/classroom.py)."""
        return (self.filter(group=group, active=True).order_by("first_name", "last_name", "pk")
                # what a tile shows; nothing else loaded
                .only("first_name", "last_name_prefix", "last_name", "tile_picture"))


class Pupil(models.Model):
    class SecretKind(models.TextChoices):
        PIN = "pin", _("PIN (4 cijfers)")
        PICTURE = "picture", _("wachtwoordplaatjes")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="pupil"
    )
    school = models.ForeignKey("schools.School", on_delete=models.CASCADE, related_name="pupils")
    group = models.ForeignKey("schools.Group", on_delete=models.CASCADE, related_name="pupils")
    # Samengestelde groepen (e.g. "Plusgroep rekenen") the pupil also belongs to, besides ``group``.
    composed_groups = models.ManyToManyField(
        "schools.Group", blank=True, related_name="members", verbose_name=_("samengestelde groepen")
    )
    # The pupil's own year level: in a combination group "Groep 1/2" each pupil has their own.
    jaargroep = models.CharField(
        _("jaargroep"), max_length=1, blank=True, choices=Jaargroep.choices
    )
    first_name = models.CharField(_("roepnaam"), max_length=100)
    last_name_prefix = models.CharField(_("voorvoegsel"), max_length=20, blank=True)
    last_name = models.CharField(_("achternaam"), max_length=200)
    birth_date = models.DateField(_("geboortedatum"), null=True, blank=True)
    # From the tiles' own set, never a password picture (pupils/pictures.py says why).
    tile_picture = models.CharField(
        _("plaatje op de naamtegel"), max_length=20, choices=TILE_PICTURE_CHOICES,
        default=random_tile_picture,
    )
    secret_kind = models.CharField(
        _("soort wachtwoord"), max_length=10, choices=SecretKind.choices, default=SecretKind.PIN
    )
    # Keyed hash (basispoort/hashing.py) of the PIN or the picture sequence; empty until set.
    secret_hash = models.CharField(max_length=128, blank=True, editable=False)
    home_login_enabled = models.BooleanField(_("thuis inloggen aan"), default=False)
    # Key of the pupil in the school's administration system, for re-imports.
    external_id = models.CharField(_("sleutel administratie"), max_length=256, blank=True)
    eckid = models.CharField(_("ECK iD"), max_length=256, blank=True)
    active = models.BooleanField(_("actief"), default=True)
    last_login_school = models.DateTimeField(_("laatst ingelogd op school"), null=True, blank=True)
    last_login_home = models.DateTimeField(_("laatst thuis ingelogd"), null=True, blank=True)
    # What publishers' pseudonyms are computed from (Publisher.pseudonym), when it is not this
    # pupil's own account: a pupil who moved here from another school, matched by ECK iD on
    # import, keeps the pseudonyms they had there (PupilQuerySet.subjects_by_eckid).
    inherited_subject = models.CharField(max_length=300, blank=True, editable=False)
    # For the publishers' "changes since" (api/) and the class's cached tile page
    # (tile_summary): every write of the roster fields, the tile picture and ``active`` bumps it,
    # also in bulk (the import sets it with every update()).
    updated_at = models.DateTimeField(_("gewijzigd"), auto_now=True, db_index=True)

    objects = PupilQuerySet.as_manager()

    # The classroom's two reads at 08:30 (tile_summary, for_login), compiled to SQL once per
    # process (basispoort/compiled.py).
    _tile_summary = CompiledQuery(
        lambda group: Pupil.objects.for_group(group).order_by().values("group_id")
        .annotate(count=models.Count("pk"), changed=models.Max("updated_at")).values_list("count", "changed"),
        group=int,
    )
    _for_login = CompiledQuery(
        lambda pk, group, school: Pupil.objects.select_related("user").only(*Pupil.LOGIN_FIELDS)
        .filter(pk=pk, group=group, school=school, active=True),
        pk=int, group=int, school=int,
    )

    class Meta:
        verbose_name = _("leerling")
        verbose_name_plural = _("leerlingen")
        ordering = ["first_name", "last_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["school", "external_id"],
                condition=~models.Q(external_id=""),
                name="pupil_external_id_unique_per_school",
            ),
            models.CheckConstraint(
                condition=models.Q(secret_kind__in=["pin", "picture"]),
                name="pupil_secret_kind_valid",
            ),
        ]

    def __str__(self):
        return self.full_name

    @property
    def subject(self):
        """What publishers' pseudonyms of this pupil are computed from (Publisher.pseudonym)."""
        return self.inherited_subject or f"user:{self.user_id}"

    @property
    def full_name(self):
        return " ".join(p for p in [self.first_name, self.last_name_prefix, self.last_name] if p)

    @staticmethod
    def tile_labels(pupils):
        """{pupil id: the name on their tile}: the first name, and when several of these pupils
        share it, the last-name prefix and as much of the last name as tells them apart: "Sem
        B." and "Sem V.", "Sem Ba." and "Sem Bo.", "Sem de V."; a last name that is all of
        the start of another is written out whole ("Sem Jong", "Sem Jonge."), a pupil without
        a last name keeps the first name alone, and pupils of the very same name are numbered.
        Printed cards use the same labels as the tiles, so a teacher hands each code to the
        right family."""
        pupils = list(pupils)
        by_first_name = {}
        for pupil in pupils:
            by_first_name.setdefault(pupil.first_name, []).append(pupil)
        labels = {}
        for first_name, namesakes in by_first_name.items():
            if len(namesakes) == 1:
                labels[namesakes[0].pk] = first_name
                continue
            for pupil in namesakes:
                others = [(o.last_name_prefix, o.last_name) for o in namesakes if o is not pupil]
                labels[pupil.pk] = _namesake_label(pupil, others)
            _number_the_same(labels, namesakes)
        return labels

    # What the PIN pad and a login read of a pupil and their account; nothing else is loaded.
    LOGIN_FIELDS = ("first_name", "tile_picture", "secret_kind", "secret_hash", "active", "school_id",
                    "group_id", "home_login_enabled", "user__username", "user__password", "user__is_active",
                    "user__kind")

    @classmethod
    def tile_summary(cls, group):
        """(how many, when the last of them changed) of the pupils on ``group``'s name tiles:
        what a class's cached tile page is kept under (pupils/gate.py ClassTiles), in one query
        without loading a pupil."""
        rows = cls._tile_summary.rows(group=group.pk)
        return rows[0] if rows else (0, None)

    @classmethod
    def for_login(cls, pk, group):
        """The active pupil ``pk`` of ``group`` with their account, only what the PIN pad and a
        login read (LOGIN_FIELDS), or None. ``group`` (with its school, checked active) comes
        from the classroom device and is set on the pupil."""
        pupil = cls._for_login.first(pk=pk, group=group.pk, school=group.school_id)
        if pupil is not None:
            pupil.group, pupil.school = group, group.school
        return pupil

    @property
    def tile_picture_url(self):
        return tile_picture_url(self.tile_picture)

    @property
    def tile_picture_name(self):
        return TILE_PICTURES.get(self.tile_picture, "")

    def clean(self):
        # A pupil's group must belong to the pupil's own school: isolation depends on it.
        if self.group_id and self.school_id and self.group.school_id != self.school_id:
            raise ValidationError({"group": _("Deze groep hoort niet bij de school van de leerling.")})

    def can_log_in_at_home(self):
        return self.active and self.home_login_enabled and self.school.active

    # Secrets. The PIN or picture sequence is never stored, only its keyed hash.

    def set_pin(self, pin):
        if not PIN_RE.match(pin or ""):
            raise ValidationError(_("Een PIN is precies 4 cijfers."))
        self.secret_kind = self.SecretKind.PIN
        self.secret_hash = make_secret_hash(pin, purpose="pin")

    def set_picture_password(self, pictures):
        pictures = list(pictures)
        grid = grid_for(self.school)
        if len(pictures) != self.school.picture_password_length or any(
            p not in grid for p in pictures
        ):
            raise ValidationError(
                _("Kies %(count)s plaatjes uit het raster van de school.")
                % {"count": self.school.picture_password_length}
            )
        self.secret_kind = self.SecretKind.PICTURE
        self.secret_hash = make_secret_hash("-".join(pictures), purpose="picture")

    def set_secret(self, value):
        """Set a PIN (a string) or a picture sequence (a list), whichever ``value`` is."""
        if isinstance(value, list | tuple):
            self.set_picture_password(value)
        else:
            self.set_pin(value)

    def picture_password_taken(self, pictures):
        """True when another pupil of this group already has this picture sequence."""
        others = Pupil.objects.filter(group_id=self.group_id, secret_kind=self.SecretKind.PICTURE)
        return any(p.check_secret(list(pictures)) for p in others.exclude(pk=self.pk))

    def generate_picture_password(self):
        """Set and return a random picture sequence that no other pupil of the group has."""
        grid = grid_for(self.school)
        while True:
            pictures = [secrets.choice(grid) for _ in range(self.school.picture_password_length)]
            if len(set(pictures)) == len(pictures) and not self.picture_password_taken(pictures):
                self.set_picture_password(pictures)
                return pictures

    def check_secret(self, value):
        """True when ``value`` (a PIN string, or a list of picture slugs) is this pupil's secret.
        The answer is kept on this instance for this value: a login that compares before it
        lines up (pupils/gate.py) does not compare the same guess twice."""
        if self.secret_kind == self.SecretKind.PICTURE and isinstance(value, list | tuple):
            value = "-".join(value)
        asked = (str(value), self.secret_kind, self.secret_hash)
        if getattr(self, "_secret_checked", (None, None))[0] != asked:
            self._secret_checked = (asked, check_secret_hash(asked[0], self.secret_hash,
                                                             purpose=self.secret_kind))
        return self._secret_checked[1]


class ClassroomDevice(models.Model):
    """The server's half of a classroom device cookie (pupils/classroom.py): which tablet shows
    which group's tiles, set up by whom, so the school administrator can see the devices in use
    and disconnect one from anywhere. The cookie is signed; this row is what a disconnect
    revokes. A device whose cookie predates these rows gets its row at its next use."""

    device_id = models.CharField(max_length=32, unique=True)
    group = models.ForeignKey("schools.Group", on_delete=models.CASCADE, related_name="classroom_devices")
    teacher = models.ForeignKey("schools.Teacher", on_delete=models.CASCADE, related_name="classroom_devices")
    connected_at = models.DateTimeField(_("ingesteld op"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("laatst gebruikt"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("losgekoppeld op"), null=True, blank=True)

    class Meta:
        verbose_name = _("klassencomputer")
        verbose_name_plural = _("klassencomputers")
        ordering = ["group__name", "-connected_at"]

    def __str__(self):
        return f"{self.group} ({self.device_id})"
