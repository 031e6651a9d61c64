from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

brin_validator = RegexValidator(
    r"^[0-9]{2}[A-Z0-9]{2}$", _("Een BRIN-nummer is 4 tekens: 2 cijfers en 2 hoofdletters of cijfers.")
)
vestiging_validator = RegexValidator(r"^[0-9]{2}$", _("Het vestigingsnummer is 2 cijfers."))
school_year_validator = RegexValidator(
    r"^[0-9]{4}-[0-9]{4}$", _("Schrijf het schooljaar als 2026-2027.")
)


def current_school_year(today=None):
    """"2026-2027" from 1 August 2026 until 31 July 2027."""
    today = today or timezone.localdate()
    start = today.year if today.month >= 8 else today.year - 1
    return f"{start}-{start + 1}"


class Jaargroep(models.TextChoices):
    """A pupil's own year level, in the codes of EDEX (the Dutch export standard). Only the
    levels whose pupils log in here; what the import does with the other codes (0, B, D, N, H,
    11-16) is in the README."""

    GROEP_1 = "1", _("groep 1")
    GROEP_2 = "2", _("groep 2")
    GROEP_3 = "3", _("groep 3")
    GROEP_4 = "4", _("groep 4")
    GROEP_5 = "5", _("groep 5")
    GROEP_6 = "6", _("groep 6")
    GROEP_7 = "7", _("groep 7")
    GROEP_8 = "8", _("groep 8")
    SPECIAL = "S", _("speciaal (basis)onderwijs")
    SPECIAL_SECONDARY = "V", _("voortgezet speciaal onderwijs")


class School(models.Model):
    """One location (vestiging) of a school, known by BRIN number + vestiging number."""

    brin = models.CharField(_("BRIN"), max_length=4, validators=[brin_validator])
    vestiging = models.CharField(
        _("vestiging"), max_length=2, default="00", validators=[vestiging_validator]
    )
    name = models.CharField(_("naam"), max_length=200)
    active = models.BooleanField(_("actief"), default=True)
    # Picture passwords: how many pictures a pupil clicks, out of a grid of how many.
    picture_password_length = models.PositiveSmallIntegerField(
        _("aantal wachtwoordplaatjes"),
        default=3,
        validators=[MinValueValidator(2), MaxValueValidator(4)],
    )
    picture_grid_size = models.PositiveSmallIntegerField(
        _("plaatjes in het raster"),
        default=12,
        validators=[MinValueValidator(9), MaxValueValidator(16)],
    )

    class Meta:
        verbose_name = _("school")
        verbose_name_plural = _("scholen")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["brin", "vestiging"], name="school_brin_vestiging_unique"),
            models.CheckConstraint(
                condition=models.Q(picture_password_length__gte=2, picture_password_length__lte=4),
                name="school_picture_password_length_2_4",
            ),
            models.CheckConstraint(
                condition=models.Q(picture_grid_size__gte=9, picture_grid_size__lte=16),
                name="school_picture_grid_size_9_16",
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.brin}{self.vestiging})"


class Group(models.Model):
    """A group in one school year. A *stamgroep* is the class a pupil belongs to, e.g. "Groep 5a"
    (year level 5) or the combination group "Groep 1/2" (no one year level: each pupil keeps their
    own). A *samengestelde groep* (e.g. "Plusgroep rekenen") gathers pupils of several classes
    besides their own; its teachers see its members. The import also makes one *jaargroep* group
    per year level for pupils whom the administration system lists without a class."""

    class Kind(models.TextChoices):
        CLASS = "stamgroep", _("stamgroep")
        COMPOSED = "samengesteld", _("samengestelde groep")
        YEAR = "jaargroep", _("jaargroep zonder stamgroep")

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="groups")
    name = models.CharField(_("naam"), max_length=100)
    kind = models.CharField(_("soort groep"), max_length=12, choices=Kind.choices, default=Kind.CLASS)
    # Empty for a combination group, a group of special education (S, V) and a samengestelde
    # groep: their pupils each carry their own year level (Pupil.jaargroep).
    year_level = models.PositiveSmallIntegerField(
        _("jaargroep"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(8)]
    )
    school_year = models.CharField(
        _("schooljaar"), max_length=9, default=current_school_year,
        validators=[school_year_validator],
    )
    # Key of the group in the school's administration system (EDEX-XML), for re-imports; EDEX
    # keys are up to 256 characters. Empty for a key starting with "#" (not stable by the standard).
    external_id = models.CharField(_("sleutel administratie"), max_length=256, blank=True)
    # For the publishers' "changes since" (api/).
    updated_at = models.DateTimeField(_("gewijzigd"), auto_now=True, db_index=True)

    class Meta:
        verbose_name = _("groep")
        verbose_name_plural = _("groepen")
        ordering = ["year_level", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["school", "school_year", "kind", "name"],
                name="group_name_unique_per_school_year_and_kind",
            ),
            models.UniqueConstraint(
                fields=["school", "external_id"],
                condition=~models.Q(external_id=""),
                name="group_external_id_unique_per_school",
            ),
            models.CheckConstraint(
                condition=models.Q(year_level__isnull=True)
                | models.Q(year_level__gte=1, year_level__lte=8),
                name="group_year_level_1_8_or_empty",
            ),
            models.CheckConstraint(
                condition=models.Q(kind__in=["stamgroep", "samengesteld", "jaargroep"]),
                name="group_kind_valid",
            ),
        ]

    def __str__(self):
        return self.name

    def roster(self):
        """The active pupils a teacher of this group sees, alphabetically: a stamgroep's own
        pupils, a samengestelde groep's members."""
        pupils = self.members if self.kind == self.Kind.COMPOSED else self.pupils
        return pupils.active().order_by("first_name", "last_name", "pk")


class TeacherQuerySet(models.QuerySet):
    def for_user(self, user):
        """The membership whose school the staff pages show to ``user``, or None. A member of
        two locations sees the first (by BRIN and vestiging) until staff can switch."""
        if not getattr(user, "is_authenticated", False):
            return None
        return self.select_related("school").filter(user=user).order_by(
            "school__brin", "school__vestiging").first()


class Teacher(models.Model):
    """A staff member's membership of one school: a teacher of some groups, an ICT coordinator
    (sees all groups) or the school administrator (manages the school's data in /beheer/)."""

    class Role(models.TextChoices):
        TEACHER = "leerkracht", _("leerkracht")
        ICT_COORDINATOR = "ict", _("ICT-coördinator")
        ADMINISTRATOR = "beheerder", _("schoolbeheerder")

    # One person, one User: a teacher at two locations of a school (BRIN 99XX, vestiging 00 and
    # 01) is one account with a Teacher row at each.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="school_roles"
    )
    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="teachers")
    groups = models.ManyToManyField(Group, blank=True, related_name="teachers")
    role = models.CharField(_("rol"), max_length=10, choices=Role.choices, default=Role.TEACHER)
    external_id = models.CharField(_("sleutel administratie"), max_length=256, blank=True)
    eckid = models.CharField(_("ECK iD"), max_length=256, blank=True)

    objects = TeacherQuerySet.as_manager()

    class Meta:
        verbose_name = _("leerkracht")
        verbose_name_plural = _("leerkrachten")
        ordering = ["user__last_name", "user__first_name"]
        constraints = [
            models.UniqueConstraint(fields=["user", "school"], name="teacher_user_unique_per_school"),
            models.UniqueConstraint(
                fields=["school", "external_id"],
                condition=~models.Q(external_id=""),
                name="teacher_external_id_unique_per_school",
            ),
        ]

    def __str__(self):
        return f"{self.user} ({self.school.name})"

    def visible_groups(self):
        """The groups whose pages this teacher may open."""
        if self.role == self.Role.TEACHER:
            return self.groups.all()
        return self.school.groups.all()


def printable(text):
    """No line breaks or control characters: typed input cannot forge an extra log line."""
    return "".join(ch if ch.isprintable() else " " for ch in str(text))


class AuditEntryQuerySet(models.QuerySet):
    def record(self, request, action, *, school, pupil=None, detail="", actor=None):
        """Write down who did what to whom, from where: the actor is ``request``'s user (or
        ``actor`` when there is no request, e.g. a command). Never pass a secret as ``detail``."""
        from axes.helpers import get_client_ip_address

        user = getattr(request, "user", None) if request is not None else actor
        return self.create(
            school=school, actor=user if user and user.is_authenticated else None,
            action=action, pupil=pupil, detail=printable(detail)[:500],
            ip_address=(get_client_ip_address(request) or None) if request is not None else None,
        )


class AuditEntry(models.Model):
    """The audit log: logins and failures (never the secret), locks and unlocks, teacher
    actions, imports and licence changes, with who, whom, when and from which address. A school
    administrator reads their own school's entries."""

    class Action(models.TextChoices):
        SECRET_SET = "secret_set", _("wachtwoord ingesteld")
        HOME_LOGIN_ON = "home_on", _("thuis inloggen aangezet")
        HOME_LOGIN_OFF = "home_off", _("thuis inloggen uitgezet")
        CODE_ISSUED = "code_issued", _("thuis login code gemaakt")
        CODE_MAILED = "code_mailed", _("thuis login code gemaild")
        DEVICES_REVOKED = "devices_revoked", _("thuisapparaten ingetrokken")
        UNLOCKED = "unlocked", _("ontgrendeld")
        GUARDIAN_ADDED = "guardian_added", _("e-mailadres ouder toegevoegd")
        GUARDIAN_REMOVED = "guardian_removed", _("e-mailadres ouder verwijderd")
        IMPORTED = "imported", _("geïmporteerd")
        LOGIN_OK = "login_ok", _("ingelogd")
        LOGIN_FAILED = "login_failed", _("inloggen mislukt")
        LOCKED = "locked", _("geblokkeerd")
        LICENCE_CHANGED = "licence_changed", _("licentie gewijzigd")
        SYNC_GRANTED = "sync_granted", _("toestemming uitgever gegeven")
        SYNC_REVOKED = "sync_revoked", _("toestemming uitgever ingetrokken")
        PSEUDONYM_REPLACED = "pseudonym_replaced", _("pseudoniem bij uitgever vervangen")
        API_WRITE = "api_write", _("wijziging door uitgever (API)")

    # Empty for events that belong to no one school (a parent's login, an unknown code).
    school = models.ForeignKey(
        School, null=True, blank=True, on_delete=models.CASCADE, related_name="audit_entries"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(_("actie"), max_length=20, choices=Action.choices)
    pupil = models.ForeignKey(
        "pupils.Pupil", null=True, blank=True, on_delete=models.SET_NULL, related_name="audit_entries"
    )
    detail = models.CharField(_("details"), max_length=500, blank=True)
    ip_address = models.GenericIPAddressField(_("IP-adres"), null=True, blank=True)
    created_at = models.DateTimeField(_("tijdstip"), auto_now_add=True, db_index=True)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("auditregel")
        verbose_name_plural = _("auditlog")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor} {self.get_action_display()}"
