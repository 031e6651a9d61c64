from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from basispoort.compiled import CompiledInsert
from basispoort.sessions import write_with_login

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
    # The language of mails to parents who have not chosen one on the site yet (homelogin).
    family_language = models.CharField(
        _("taal van mails aan ouders"), max_length=10, choices=settings.LANGUAGES,
        default=settings.LANGUAGE_CODE,
        help_text=_("Voor ouders die zelf nog geen taal kozen; wie op de site een taal kiest, "
                    "krijgt de mails daarna in die taal."),
    )
    # Shown to parents on "Wat weten de uitgevers?" and in the download of their child's data.
    privacy_contact = models.CharField(
        _("contact voor privacyvragen"), max_length=200, blank=True,
        help_text=_("Naam en e-mailadres of telefoonnummer, bijvoorbeeld van de functionaris "
                    "gegevensbescherming van het schoolbestuur."),
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


# Where the session keeps the school a staff member with several memberships works at now.
STAFF_SCHOOL_SESSION_KEY = "staff_school"


class TeacherQuerySet(models.QuerySet):
    def current(self, today=None):
        """Memberships that still give access: the person is still in the school's import (or
        was added by hand), their end date has not passed, the account and school are active."""
        today = today or timezone.localdate()
        return self.filter(active=True, user__is_active=True, school__active=True).filter(
            models.Q(end_date__isnull=True) | models.Q(end_date__gte=today)
        )

    def for_user(self, user):
        """``user``'s first current membership (by BRIN and vestiging), or None: whose school a
        login is recorded under. Pages ask ``for_request``, which knows the chosen school."""
        if not getattr(user, "is_authenticated", False):
            return None
        return self.current().select_related("school").filter(user=user).order_by(
            "school__brin", "school__vestiging").first()

    def for_request(self, request):
        """The membership this session works as on the staff pages: at the school chosen in the
        session (else the first), current, and with the second step done when it needs one.
        None otherwise. teachers/decorators.py says *why* to the person; everything else
        (classroom set-up, software, OpenID Connect) just asks here."""
        membership = self.chosen(request)
        if membership is None or not membership.second_step_done(request):
            return None
        return membership

    def chosen(self, request, memberships=None):
        """The current membership at the school chosen in the session, else the first one;
        the second step is not checked here. ``memberships``: the user's current ones, when
        the caller has them already."""
        user = request.user
        if not getattr(user, "is_authenticated", False) or user.kind != user.Kind.ADULT:
            return None
        if memberships is None:
            memberships = self.current().select_related("school").filter(user=user)
        memberships = sorted(memberships, key=lambda m: (m.school.brin, m.school.vestiging))
        chosen = request.session.get(STAFF_SCHOOL_SESSION_KEY)
        return next((m for m in memberships if m.school_id == chosen),
                    memberships[0] if memberships else None)


class Teacher(models.Model):
    """A staff member's membership of one school: their role there, the groups it gives, and
    until when. What each role may do is ``PERMISSIONS`` below, the one table every staff page
    asks (``teacher.may("print_codes")``)."""

    class Role(models.TextChoices):
        TEACHER = "leerkracht", _("leerkracht")
        IB_RT = "ib_rt", _("IB'er/RT'er")
        TRAINEE = "stagiair", _("stagiair")
        SUBSTITUTE = "invalkracht", _("invalkracht")
        ICT_COORDINATOR = "ict_coordinator", _("ICT-coördinator")

    # What each role may do, within the groups it sees (``visible_groups``). A view that is not
    # allowed answers 403; a group or pupil outside the role's groups is a 404.
    #   view         see groups, pupils, locks; set up a classroom device
    #   unlock       "Ontgrendelen"
    #   secrets      set or generate PINs and picture passwords, choose a tile picture
    #   home_login   switch home login on or off, make home devices forget a pupil
    #   print_codes  print or mail home login codes (new codes: the old ones stop working)
    #   guardians    add and remove parents' e-mail addresses (each one is mailed)
    #   substitute   give a substitute access to a group until a date ("invalgroep")
    #   administer   the school administration under /leerkracht/beheer/, the import, the log
    PERMISSIONS = {
        Role.TEACHER: {"view", "unlock", "secrets", "home_login", "print_codes", "guardians",
                       "substitute"},
        Role.IB_RT: {"view", "unlock", "print_codes"},
        Role.TRAINEE: {"view", "unlock", "secrets", "home_login"},
        Role.SUBSTITUTE: {"view", "unlock", "secrets", "home_login", "print_codes", "guardians"},
        Role.ICT_COORDINATOR: {"view", "unlock", "secrets", "home_login", "print_codes",
                               "guardians", "substitute", "administer"},
    }
    # Roles that see every group of the school; the others see the groups given to them.
    ALL_GROUPS = {Role.IB_RT, Role.ICT_COORDINATOR}
    # Roles that must use a second step (an authenticator app) at every login: they see the
    # whole school. Everyone else may switch it on.
    SECOND_STEP_REQUIRED = {Role.IB_RT, Role.ICT_COORDINATOR}

    # One person, one User: a teacher at two schools (or two locations of one) is one account
    # with a Teacher row at each.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="school_roles"
    )
    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="teachers")
    groups = models.ManyToManyField(Group, blank=True, related_name="teachers")
    role = models.CharField(_("rol"), max_length=16, choices=Role.choices, default=Role.TEACHER)
    # The last day this membership gives access (a substitute's end date); empty: no end.
    end_date = models.DateField(_("einddatum"), null=True, blank=True)
    # False once the school's import no longer lists this person (set again when it does).
    active = models.BooleanField(_("actief"), default=True)
    # Came from (and is kept in step with) the administration system's import; a membership
    # added by hand (a substitute, an ICT-coördinator) is never ended by an import.
    from_import = models.BooleanField(_("uit de import"), default=False)
    invited_at = models.DateTimeField(_("uitgenodigd op"), null=True, blank=True)
    external_id = models.CharField(_("sleutel administratie"), max_length=256, blank=True)
    eckid = models.CharField(_("ECK iD"), max_length=256, blank=True)

    objects = TeacherQuerySet.as_manager()

    class Meta:
        verbose_name = _("medewerker")
        verbose_name_plural = _("medewerkers")
        ordering = ["user__last_name", "user__first_name"]
        constraints = [
            models.UniqueConstraint(fields=["user", "school"], name="teacher_user_unique_per_school"),
            models.UniqueConstraint(
                fields=["school", "external_id"],
                condition=~models.Q(external_id=""),
                name="teacher_external_id_unique_per_school",
            ),
            models.CheckConstraint(
                condition=models.Q(role__in=["leerkracht", "ib_rt", "stagiair", "invalkracht",
                                             "ict_coordinator"]),
                name="teacher_role_valid",
            ),
        ]

    def __str__(self):
        return f"{self.user} ({self.school.name})"

    def may(self, permission):
        return permission in self.permissions

    @property
    def permissions(self):
        """What this role may do (for templates: ``{% if "print_codes" in teacher.permissions %}``)."""
        return self.PERMISSIONS.get(self.role, set())

    def visible_groups(self):
        """The groups whose pages this staff member may open."""
        if self.role in self.ALL_GROUPS:
            return self.school.groups.all()
        return self.groups.all()

    def is_current(self, today=None):
        today = today or timezone.localdate()
        return self.active and (self.end_date is None or self.end_date >= today)

    def second_step_required(self):
        """True when this membership needs a second step at login: the role asks for one, or
        the person set up an authenticator app (then it is asked whatever the role)."""
        return self.role in self.SECOND_STEP_REQUIRED or TOTPDevice.objects.filter(
            user_id=self.user_id, confirmed=True).exists()

    def second_step_done(self, request):
        """True when this session may act in this membership as far as the second step goes:
        it did one (django-otp's OTPMiddleware), or none is required."""
        is_verified = getattr(request.user, "is_verified", None)
        return bool(is_verified and is_verified()) or not self.second_step_required()


def printable(text):
    """No line breaks or control characters: typed input cannot forge an extra log line."""
    return "".join(ch if ch.isprintable() else " " for ch in str(text))


class AuditEntryQuerySet(models.QuerySet):
    def record(self, request, action, *, school, pupil=None, detail="", actor=None, login=False):
        """Write down who did what to whom, from where: the actor is ``request``'s user (or
        ``actor`` when there is no request, e.g. a command). Never pass a secret as ``detail``.
        A ``login``'s entry is written together with the session it started: both or neither
        (basispoort/sessions.py)."""
        from axes.helpers import get_client_ip_address

        user = getattr(request, "user", None) if request is not None else actor
        # A publisher's API request has no person behind it (api.authentication.Publisher):
        # no actor, and ``detail`` names the publisher.
        is_person = isinstance(user, models.Model) and user.is_authenticated
        entry = self.model(
            school=school, actor=user if is_person else None,
            action=action, pupil=pupil, detail=printable(detail)[:500],
            ip_address=(get_client_ip_address(request) or None) if request is not None else None,
        )
        write = _INSERT_ENTRY.write(entry)  # every login writes one: the INSERT is built once per process
        if write is None:
            entry.save(force_insert=True)
        elif login and request is not None:
            write_with_login(request, write)
        else:
            write.run()


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
        DEVICE_REVOKED = "device_revoked", _("thuisapparaat verwijderd")
        RESCUE_ISSUED = "rescue_issued", _("reservecode gemaakt")
        RESCUE_USED = "rescue_used", _("reservecode gebruikt")
        DATA_DOWNLOADED = "data_downloaded", _("inzage gedownload")
        STAFF_ADDED = "staff_added", _("medewerker toegevoegd")
        STAFF_CHANGED = "staff_changed", _("rol of groepen gewijzigd")
        STAFF_INVITED = "staff_invited", _("uitnodiging verstuurd")
        STAFF_LEFT = "staff_left", _("medewerker niet meer in de import")
        SUBSTITUTE_ADDED = "substitute_added", _("invalkracht toegevoegd")
        SECOND_STEP_ON = "second_step_on", _("tweede stap ingesteld")
        SECOND_STEP_RESET = "second_step_reset", _("tweede stap teruggezet")
        DEVICE_DISCONNECTED = "device_off", _("klassencomputer losgekoppeld")
        SYNC_GRANTED = "sync_granted", _("toestemming uitgever gegeven")
        SYNC_REVOKED = "sync_revoked", _("toestemming uitgever ingetrokken")
        PSEUDONYM_REPLACED = "pseudonym_replaced", _("pseudoniem bij uitgever vervangen")
        API_WRITE = "api_write", _("wijziging door uitgever (API)")
        SCHOOL_CHANGED = "school_changed", _("schoolgegevens gewijzigd")

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


_INSERT_ENTRY = CompiledInsert(AuditEntry)
