import hashlib
import hmac
import secrets
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import models
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User


def new_sub_salt():
    return secrets.token_hex(32)


class Publisher(models.Model):
    name = models.CharField(_("naam"), max_length=200, unique=True)
    website = models.URLField(_("website"), blank=True)
    contact_email = models.EmailField(_("e-mailadres contactpersoon"), blank=True)
    # The key of this publisher's pairwise pseudonyms (the OIDC "sub"): random per publisher, so
    # two publishers cannot link a pupil, and fixed, so one publisher always sees the same "sub".
    sub_salt = models.CharField(max_length=64, default=new_sub_salt, editable=False)

    class Meta:
        verbose_name = _("uitgever")
        verbose_name_plural = _("uitgevers")
        ordering = ["name"]

    def __str__(self):
        return self.name

    def pairwise_sub(self, user):
        """The ``sub`` this publisher knows ``user`` by, at single sign-on and in the API."""
        subject = subject_of(user)
        return self.pseudonyms([subject])[subject]

    def pseudonym(self, subject, replaced=""):
        """The pairwise pseudonym of a subject (Pupil.subject, or "user:<pk>" for staff); after
        the school replaced it at this publisher, ``replaced`` is the salt of the new one
        (PseudonymReplacement), and the old pseudonym is never computed again."""
        message = f"{subject}:{replaced}" if replaced else subject
        return hmac.new(self.sub_salt.encode(), message.encode(), hashlib.sha256).hexdigest()

    def pseudonyms(self, subjects):
        """{subject: pseudonym} for many subjects in one query (a page of the roster API)."""
        subjects = set(subjects)
        salts = dict(self.pseudonym_replacements.filter(subject__in=subjects)
                     .values_list("subject", "salt"))
        return {subject: self.pseudonym(subject, salts.get(subject, "")) for subject in subjects}


def subject_of(user):
    """What a pseudonym is computed from: a pupil's Pupil.subject (which follows them to another
    school), else the account itself."""
    pupil = getattr(user, "pupil", None)
    subject = getattr(pupil, "subject", None)
    if subject:
        return subject
    return f"user:{user.pk}"


OVERVIEW_CACHE_SECONDS = 3600


def overview_cache_key(group_id, at_home, today):
    return f"overview-tiles:{group_id}:{int(bool(at_home))}:{today.isoformat()}"


def forget_overviews(group_ids):
    """Drop today's cached overviews of these groups (both gates)."""
    today = timezone.localdate()
    cache.delete_many([overview_cache_key(g, home, today) for g in group_ids for home in (False, True)])


def logout_uri_schemes():
    """The schemes a back-channel logout URI may have: those allowed for redirect URIs (https;
    also http when DEBUG)."""
    from oauth2_provider.settings import oauth2_settings

    return oauth2_settings.ALLOWED_REDIRECT_URI_SCHEMES


class SoftwareQuerySet(models.QuerySet):
    def licensed_for(self, pupil, *, at_home=False, today=None):
        """The software ``pupil`` may use: licensed to their school, valid today, for all groups
        or for the pupil's group, and for home use when ``at_home``; or a publisher's valid
        grant of a product of the software to the pupil or their group (ProductGrant: personal,
        so at home too). The one licence check: the overview and the single sign-on both ask
        here."""
        return self.filter(
            models.Q(pk__in=self._school_licensed(pupil, at_home=at_home, today=today))
            | models.Q(pk__in=ProductGrant.objects.valid(today).for_pupil(pupil)
                       .values("product__software_id"))
        ).order_by("name")

    @staticmethod
    def _school_licensed(pupil, *, at_home, today):
        return (Licence.objects.valid(today).for_group(pupil.group)
                .filter(home_use__in=[True] if at_home else [True, False]).values("software_id"))

    def licensed_tiles(self, pupil, *, at_home, today):
        """The overview's tiles of the school's licences of licensed_for: {"name", "url",
        "icon_url"}, by name. Every pupil of a group sees the same, so overview_tiles() keeps
        them in the cache per group, gate and day."""
        return [
            {"name": software.name, "url": reverse("software:launch", args=[software.slug]),
             "icon_url": software.icon_url}
            for software in self.filter(pk__in=self._school_licensed(pupil, at_home=at_home, today=today))
            .only("name", "slug", "icon").order_by("name")
        ]

    def available_to(self, user, *, at_home, membership=None):
        """What ``user`` may launch now: a pupil their group's licences (home-use ones only at
        home), a staff member their school's licences (``membership``: the one the session
        works as, Teacher.objects.for_request). Nothing for anyone else."""
        if user.is_authenticated and hasattr(user, "pupil") and user.pupil.active:
            return self.licensed_for(user.pupil, at_home=at_home)
        teacher = membership
        if teacher is not None:
            return self.filter(
                pk__in=Licence.objects.valid().filter(school=teacher.school).values("software_id")
            ).order_by("name")
        return self.none()


class Software(models.Model):
    publisher = models.ForeignKey(Publisher, on_delete=models.PROTECT, related_name="software")
    name = models.CharField(_("naam"), max_length=200)
    slug = models.SlugField(_("korte naam"), unique=True)
    icon = models.CharField(
        _("icoon"), max_length=200, blank=True,
        help_text=_("Pad onder static/, bijvoorbeeld img/software/rekentuin.svg"),
    )
    launch_url = models.URLField(
        _("start-URL"), help_text=_("Waar de software het inloggen via Basispoort begint.")
    )
    application = models.OneToOneField(
        settings.OAUTH2_PROVIDER_APPLICATION_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="software", verbose_name=_("OpenID Connect-client"),
    )

    # OpenID Connect Back-Channel Logout 1.0: where this client hears that a pupil's Basispoort
    # session ended (software/backchannel.py).
    backchannel_logout_uri = models.URLField(
        _("back-channel-logout-URI"), blank=True, max_length=500,
        help_text=_("Hier krijgt de software een uitlogbericht (logout token) als de leerling "
                    "uitlogt bij Basispoort. Alleen https."),
    )
    backchannel_logout_session_required = models.BooleanField(
        _("sessie-id (sid) vereist"), default=True,
        help_text=_("De software verwacht de sid-claim in het uitlogbericht; Basispoort stuurt "
                    "die altijd mee."),
    )

    objects = SoftwareQuerySet.as_manager()

    class Meta:
        verbose_name = _("software")
        verbose_name_plural = _("software")
        ordering = ["name"]

    def __str__(self):
        return self.name

    def clean(self):
        # A logout token names a pupil's session: it travels encrypted, or (the demo publisher on
        # a development machine) over the plain http that DEBUG allows for redirect URIs too.
        if self.backchannel_logout_uri:
            scheme = self.backchannel_logout_uri.split(":", 1)[0].lower()
            if scheme not in logout_uri_schemes():
                raise ValidationError({"backchannel_logout_uri": _(
                    "Het back-channel-logout-URI moet met https:// beginnen.")})

    @property
    def icon_url(self):
        # A mistyped icon path must not break the overview (the manifest storage raises).
        try:
            return static(self.icon or "img/software/default.svg")
        except ValueError:
            return static("img/software/default.svg")


class LicenceQuerySet(models.QuerySet):
    def valid(self, today=None):
        today = today or timezone.localdate()
        return self.filter(valid_from__lte=today).filter(
            models.Q(valid_until__isnull=True) | models.Q(valid_until__gte=today)
        )

    def for_group(self, group):
        return self.filter(school_id=group.school_id).filter(
            models.Q(all_groups=True) | models.Q(groups=group)
        )


class Licence(models.Model):
    """A school's right to use one software title: for all groups or for chosen ones, at school
    only or also at home, from a date until a date (open-ended when empty)."""

    school = models.ForeignKey("schools.School", on_delete=models.CASCADE, related_name="licences")
    software = models.ForeignKey(Software, on_delete=models.CASCADE, related_name="licences")
    all_groups = models.BooleanField(_("alle groepen"), default=True)
    groups = models.ManyToManyField(
        "schools.Group", blank=True, related_name="licences", verbose_name=_("groepen")
    )
    home_use = models.BooleanField(_("ook thuis te gebruiken"), default=False)
    valid_from = models.DateField(_("geldig vanaf"), default=timezone.localdate)
    valid_until = models.DateField(_("geldig tot en met"), null=True, blank=True)
    # What the publisher learns beyond the pseudonym, school, group and year level.
    shares_first_name = models.BooleanField(
        _("roepnaam meegeven"), default=False,
        help_text=_("Alleen aanzetten als de software de naam van de leerling echt nodig heeft."),
    )
    shares_eckid = models.BooleanField(
        _("ECK iD meegeven"), default=False,
        help_text=_("Alleen als de school toestemming heeft vastgelegd voor deze uitgever."),
    )

    objects = LicenceQuerySet.as_manager()

    class Meta:
        verbose_name = _("licentie")
        verbose_name_plural = _("licenties")
        ordering = ["school__name", "software__name"]
        constraints = [
            models.UniqueConstraint(fields=["school", "software"], name="licence_unique_per_school"),
            models.CheckConstraint(
                condition=models.Q(valid_until__isnull=True)
                | models.Q(valid_until__gte=models.F("valid_from")),
                name="licence_valid_until_after_from",
            ),
        ]

    def __str__(self):
        return f"{self.software} — {self.school.name}"

    def clean(self):
        if self.valid_until and self.valid_from and self.valid_until < self.valid_from:
            raise ValidationError(
                {"valid_until": _("De einddatum ligt voor de begindatum.")}
            )


def code_hash(code):
    return hashlib.sha256(code.encode()).hexdigest()


ISSUED_CODE_RETENTION = timedelta(days=1)


class IssuedCode(models.Model):
    """What the provider remembers of an authorization code beyond django-oauth-toolkit's Grant,
    which is gone once the code is used: when the pupil's session logged in (the ID token's
    ``auth_time``, also after a refresh), and the refresh-token family the code started, so a
    replayed code revokes every token issued from it (RFC 6749 §4.1.2). Only a hash of the code
    is kept; rows older than ISSUED_CODE_RETENTION are deleted by the daily prune_logs (pupil
    sessions end at the end of the day, and with them every token)."""

    code_hash = models.CharField(max_length=64, unique=True)
    auth_time = models.DateTimeField()
    # The session's id (the ID token's ``sid``, software/backchannel.py).
    sid = models.CharField(max_length=64, blank=True)
    token_family = models.UUIDField(null=True, db_index=True)
    redeemed_at = models.DateTimeField(null=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    def __str__(self):
        return f"{self.code_hash[:8]}…"


# The claims about a pupil a publisher can receive (the OIDC provider builds them in
# software/oidc.py); everything else in an ID token (iss, aud, exp, nonce...) is protocol.
PUPIL_CLAIMS = ("sub", "role", "school", "school_name", "group", "year_level", "given_name", "eckid")


def licence_claim_names(licence, pupil):
    """The claims ``licence``'s software receives about ``pupil``: the pseudonym, role, school,
    group and year level always; a first name and the ECK iD only when the licence says so (and
    the pupil has an ECK iD). What software/oidc.py releases, as names, for the parents' page.
    ``licence`` is None for software only a publisher's product grant opens."""
    names = ["sub", "role", "school", "school_name", "group", "year_level"]
    if licence is not None and licence.shares_first_name:
        names.append("given_name")
    if licence is not None and licence.shares_eckid and pupil.eckid:
        names.append("eckid")
    return names


class ReleaseQuerySet(models.QuerySet):
    def record(self, *, user, client, channel, claims):
        """Write down that ``client`` (an OAuth application) received ``claims`` about ``user``
        through ``channel``. Only pupils' releases are kept: they are what parents may see."""
        if getattr(user, "kind", None) != User.Kind.PUPIL:
            return None
        software = getattr(client, "software", None)
        return self.create(
            user=user, software=software, publisher=software.publisher if software else None,
            client_id=client.client_id, channel=channel,
            claims={key: value for key, value in claims.items() if key in PUPIL_CLAIMS},
        )

    def record_roster(self, *, publisher, client_id, pupils):
        """Write down, in one statement, that ``publisher``'s API client fetched these pupils
        (``pupils``: [(user id, claims)], in the claims' own names) from the roster API."""
        return self.bulk_create([
            Release(user_id=user_id, publisher=publisher, client_id=client_id,
                    channel=Release.Channel.API,
                    claims={key: value for key, value in claims.items() if key in PUPIL_CLAIMS})
            for user_id, claims in pupils
        ])

    def older_than(self, days):
        return self.filter(created_at__lt=timezone.now() - timedelta(days=days))


class Release(models.Model):
    """One release of a pupil's data to a publisher: what (the claims, with their values), to
    whom (publisher, software, OAuth client), when and how (ID token or userinfo). Parents see
    these on "Wat weten de uitgevers?" and in their child's download; ``prune_releases``
    deletes them after AUDIT_RETENTION_DAYS."""

    class Channel(models.TextChoices):
        ID_TOKEN = "id_token", _("ID-token bij het inloggen")
        USERINFO = "userinfo", _("userinfo-opvraging")
        API = "api", _("opgehaald via de koppeling (API)")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="data_releases"
    )
    # Kept when a publisher or title is removed: the record of what went where stays true.
    publisher = models.ForeignKey(
        Publisher, null=True, on_delete=models.SET_NULL, related_name="releases"
    )
    software = models.ForeignKey(Software, null=True, on_delete=models.SET_NULL, related_name="releases")
    client_id = models.CharField(_("client-id"), max_length=100)
    channel = models.CharField(_("manier"), max_length=10, choices=Channel.choices)
    claims = models.JSONField(_("gegevens"))
    created_at = models.DateTimeField(_("tijdstip"), auto_now_add=True, db_index=True)

    objects = ReleaseQuerySet.as_manager()

    class Meta:
        verbose_name = _("gegevensverstrekking")
        verbose_name_plural = _("gegevensverstrekkingen")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.client_id} {self.get_channel_display()}"


# The publishers' REST API (api/): machine clients, the schools' consent, replaced pseudonyms.

API_SCOPES = {
    "instellingen": _("Scholen die toestemming gaven, en hun gegevens"),
    "groepen": _("Groepen van die scholen"),
    "leerlingen": _("Leerlingen van die scholen (pseudoniem; namen alleen volgens de licentie)"),
    "staf": _("Medewerkers van die scholen"),
    "licenties": _("Producten en licenties van de uitgever beheren"),
}


def _scope_names():
    return " ".join(API_SCOPES)


class ApiClient(models.Model):
    """A publisher's machine client for the roster API: an OAuth application that gets tokens
    with the client-credentials grant, for the scopes given here and no others. Only such a
    client ever gets a client-credentials token, and such a token never speaks for a person."""

    publisher = models.ForeignKey(Publisher, on_delete=models.CASCADE, related_name="api_clients")
    application = models.OneToOneField(
        settings.OAUTH2_PROVIDER_APPLICATION_MODEL, on_delete=models.CASCADE, related_name="api_client",
        verbose_name=_("OAuth-client"),
    )
    scopes = models.CharField(
        _("scopes"), max_length=200, default=_scope_names,
        help_text=_("Gescheiden door spaties: instellingen groepen leerlingen staf licenties."),
    )

    class Meta:
        verbose_name = _("API-client")
        verbose_name_plural = _("API-clients")

    def __str__(self):
        return f"{self.publisher}: {self.application}"

    def clean(self):
        unknown = set(self.scopes.split()) - set(API_SCOPES)
        if unknown:
            raise ValidationError({"scopes": _("Onbekende scope: %(scope)s") % {"scope": sorted(unknown)[0]}})

    @property
    def scope_list(self):
        return [scope for scope in self.scopes.split() if scope in API_SCOPES]


class SyncPermissionQuerySet(models.QuerySet):
    def granted(self):
        return self.filter(granted=True, school__active=True)


class SyncPermission(models.Model):
    """A school's consent that a publisher reads its roster through the API: granted or revoked
    by the school administrator (/leerkracht/beheer/uitgevers/). A revoked row stays, so the
    publisher learns which schools' data to delete."""

    school = models.ForeignKey("schools.School", on_delete=models.CASCADE, related_name="sync_permissions")
    publisher = models.ForeignKey(Publisher, on_delete=models.CASCADE, related_name="sync_permissions")
    granted = models.BooleanField(_("toestemming"), default=True)
    granted_at = models.DateTimeField(_("toegekend op"), default=timezone.now)
    revoked_at = models.DateTimeField(_("ingetrokken op"), null=True, blank=True)
    shares_staff_email = models.BooleanField(
        _("e-mailadressen van medewerkers meegeven"), default=False,
        help_text=_("Alleen als de school daarvoor toestemming heeft."),
    )

    objects = SyncPermissionQuerySet.as_manager()

    class Meta:
        verbose_name = _("synchronisatietoestemming")
        verbose_name_plural = _("synchronisatietoestemmingen")
        constraints = [
            models.UniqueConstraint(fields=["school", "publisher"], name="sync_permission_unique"),
        ]

    def __str__(self):
        return f"{self.publisher} — {self.school.name}"


def new_pseudonym_salt():
    return secrets.token_hex(16)


class PseudonymReplacement(models.Model):
    """A pupil's pseudonym at one publisher, replaced by the school (after a data breach or a
    parent's objection): the salt of the new one. Single sign-on and the API both compute the
    pseudonym with it; other publishers are untouched."""

    publisher = models.ForeignKey(Publisher, on_delete=models.CASCADE, related_name="pseudonym_replacements")
    subject = models.CharField(max_length=300)
    salt = models.CharField(max_length=64, default=new_pseudonym_salt)
    replaced_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["publisher", "subject"], name="pseudonym_replacement_unique"),
        ]

    def __str__(self):
        return f"{self.publisher}: {self.replaced_at:%Y-%m-%d}"


class RetiredPseudonym(models.Model):
    """A pseudonym a publisher no longer gets, with the school it was known at: listed in the
    API's changes so the publisher deletes what it holds under it. Nothing links it to the new
    one."""

    publisher = models.ForeignKey(Publisher, on_delete=models.CASCADE, related_name="retired_pseudonyms")
    school = models.ForeignKey("schools.School", on_delete=models.CASCADE, related_name="+")
    pseudonym = models.CharField(max_length=64)
    retired_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["retired_at", "pk"]

    def __str__(self):
        return f"{self.publisher}: {self.pseudonym[:8]}…"


# OpenID Connect Back-Channel Logout (software/backchannel.py).


class PublisherSessionQuerySet(models.QuerySet):
    def live(self):
        """Sessions not yet ended; a pupil's session ends by the end of its day at the latest
        (a staff member's within 12 hours), so an older row is never sent a logout."""
        return self.filter(logged_out_at=None, created_at__gte=timezone.now() - PUBLISHER_SESSION_DAY)


PUBLISHER_SESSION_DAY = timedelta(days=1)
PUBLISHER_SESSION_RETENTION = timedelta(days=7)


class PublisherSession(models.Model):
    """A publisher's software that a Basispoort login session opened: written when the
    authorization code is issued, so that when the session ends (``Uitloggen``, a sibling's
    login on the same browser, a disconnected classroom device, a removed home device) exactly
    these publishers get a logout token. A session that opens no software has no rows. Kept a
    week (delivery is retried for well under an hour), then deleted by the daily prune_logs."""

    sid = models.CharField(max_length=64, db_index=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    software = models.ForeignKey(Software, on_delete=models.CASCADE, related_name="sessions")
    # The classroom device (pupils.ClassroomDevice.device_id) the session ran on, if any: a
    # teacher's disconnect ends every session opened on it.
    classroom_device = models.CharField(max_length=32, blank=True, db_index=True)
    # The home device entry (homelogin.DeviceGrantPupil id) a pupil's home session ran on, if
    # any: removing the device, or the child from it, ends every session opened there.
    home_device = models.PositiveBigIntegerField(null=True, blank=True, db_index=True)
    created_at = models.DateTimeField(_("geopend"), auto_now_add=True, db_index=True)
    logged_out_at = models.DateTimeField(_("uitgelogd"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("uitlogbericht afgeleverd"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("pogingen"), default=0)

    objects = PublisherSessionQuerySet.as_manager()

    class Meta:
        verbose_name = _("sessie bij uitgever")
        verbose_name_plural = _("sessies bij uitgevers")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["sid", "software"], name="publisher_session_unique"),
        ]

    def __str__(self):
        return f"{self.software}: {self.sid[:8]}…"


# Licence grants from publishers (api/): a publisher's products, granted per pupil or per group.

ICON_MAX_BYTES = 100 * 1024
ICON_TYPES = {"png": "image/png", "webp": "image/webp"}


def icon_type(data):
    """"png" or "webp" when ``data`` starts as one, else None. No SVG (it can carry script) and
    nothing else: the icon is served from our origin to children's screens."""
    if data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR":
        return "png"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP" and data[12:15] == b"VP8":
        return "webp"
    return None


def validate_icon(data):
    if len(data) > ICON_MAX_BYTES:
        raise ValidationError(_("Het icoon is groter dan 100 kB."), code="icon_too_large")
    if icon_type(data) is None:
        raise ValidationError(_("Het icoon moet een PNG- of WebP-afbeelding zijn."), code="icon_type")


def validate_launch_url(url):
    # http only on a developer's machine; a pupil's launch goes over TLS everywhere else.
    allowed = ("https://", "http://") if settings.DEBUG else ("https://",)
    if not url.startswith(allowed):
        raise ValidationError(_("De start-URL moet met https:// beginnen."), code="launch_url_scheme")


class ProductQuerySet(models.QuerySet):
    def granted_to(self, pupil, *, today=None):
        """The products ``pupil`` holds a valid grant of (their own or their groups')."""
        return self.filter(pk__in=ProductGrant.objects.valid(today).for_pupil(pupil).values("product_id"))


class Product(models.Model):
    """What a publisher sells and grants through the API (licenties): a name, an icon and where
    it starts, launched through one of the publisher's Software titles (its OpenID Connect
    client), for pupils or for staff."""

    class Audience(models.TextChoices):
        PUPILS = "pupils", _("leerlingen")
        STAFF = "staff", _("leerkrachten")

    publisher = models.ForeignKey(Publisher, on_delete=models.CASCADE, related_name="products")
    software = models.ForeignKey(Software, on_delete=models.CASCADE, related_name="products")
    code = models.CharField(_("productcode"), max_length=64)
    name = models.CharField(_("naam"), max_length=200)
    launch_url = models.URLField(_("start-URL"), max_length=500, validators=[validate_launch_url])
    audience = models.CharField(_("doelgroep"), max_length=6, choices=Audience.choices,
                                default=Audience.PUPILS)
    # The icon lives here and is served from our origin (software.views.product_icon): a
    # publisher's URL on a child's screen would be a tracking pixel, and CSP allows only us.
    icon = models.BinaryField(_("icoon"), max_length=ICON_MAX_BYTES, null=True, blank=True,
                              validators=[validate_icon])
    icon_hash = models.CharField(max_length=16, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ProductQuerySet.as_manager()

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("producten")
        ordering = ["publisher__name", "name"]
        constraints = [
            models.UniqueConstraint(fields=["publisher", "code"], name="product_code_unique_per_publisher"),
        ]

    def __str__(self):
        return f"{self.name} ({self.publisher})"

    def save(self, *args, **kwargs):
        self.icon_hash = hashlib.sha256(bytes(self.icon)).hexdigest()[:16] if self.icon else ""
        super().save(*args, **kwargs)

    def clean(self):
        if self.software_id and self.publisher_id and self.software.publisher_id != self.publisher_id:
            raise ValidationError({"software": _("Deze software is van een andere uitgever.")})

    @property
    def icon_url(self):
        """Our own URL of the icon, with its hash in it: cached for a year, a new icon a new URL."""
        if not self.icon_hash:
            return static("img/software/default.svg")
        return reverse("software:product_icon", args=[self.pk, self.icon_hash])


class ProductGrantQuerySet(models.QuerySet):
    def valid(self, today=None):
        """Grants in force today whose school still lets the product's publisher in: a revoked
        synchronisation permission ends every grant of that publisher at the school at once."""
        today = today or timezone.localdate()
        return self.filter(
            models.Q(valid_from__isnull=True) | models.Q(valid_from__lte=today),
            models.Q(valid_until__isnull=True) | models.Q(valid_until__gte=today),
            product__audience=Product.Audience.PUPILS,
            school__active=True,
            school__sync_permissions__publisher=models.F("product__publisher"),
            school__sync_permissions__granted=True,
        )

    def for_pupil(self, pupil):
        """Grants to ``pupil`` at their school, to their group or to a composed group of theirs."""
        return self.filter(school_id=pupil.school_id).filter(
            models.Q(pupil_id=pupil.pk) | models.Q(group_id=pupil.group_id)
            | models.Q(group__members=pupil.pk)
        )


class ProductGrant(models.Model):
    """A publisher's licence of one product for one pupil or one group of a school, granted
    through the API (api/grants.py). Valid from/until a date (open-ended when empty)."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="grants")
    school = models.ForeignKey("schools.School", on_delete=models.CASCADE, related_name="product_grants")
    pupil = models.ForeignKey("pupils.Pupil", null=True, blank=True, on_delete=models.CASCADE,
                              related_name="product_grants")
    group = models.ForeignKey("schools.Group", null=True, blank=True, on_delete=models.CASCADE,
                              related_name="product_grants")
    valid_from = models.DateField(_("geldig vanaf"), null=True, blank=True)
    valid_until = models.DateField(_("geldig tot en met"), null=True, blank=True)
    granted_by = models.ForeignKey(ApiClient, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name=_("toegekend door"))
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    objects = ProductGrantQuerySet.as_manager()

    class Meta:
        verbose_name = _("productlicentie")
        verbose_name_plural = _("productlicenties")
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(pupil__isnull=True, group__isnull=False)
                | models.Q(pupil__isnull=False, group__isnull=True),
                name="product_grant_pupil_or_group",
            ),
            models.CheckConstraint(
                condition=models.Q(valid_until__isnull=True) | models.Q(valid_from__isnull=True)
                | models.Q(valid_until__gte=models.F("valid_from")),
                name="product_grant_valid_until_after_from",
            ),
            # NULLs never clash: a pupil's grant and a group's grant of a product each once.
            models.UniqueConstraint(fields=["product", "pupil"], name="product_grant_unique_pupil"),
            models.UniqueConstraint(fields=["product", "group"], name="product_grant_unique_group"),
        ]

    def __str__(self):
        return f"{self.product.name} — {self.pupil or self.group}"


# The overview's cached product tiles: per group and day, under a version per school that every
# change of a grant, a product or a school's permission replaces (software/signals.py, api/).

def _grants_version_key(school_id):
    return f"product-grants-version:{school_id}"


def forget_product_grants(school_ids):
    """Every cached product tile of these schools is stale from now on."""
    cache.set_many({_grants_version_key(s): secrets.token_hex(4) for s in set(school_ids)},
                   OVERVIEW_CACHE_SECONDS * 24)


def _group_product_tiles(group_id, school_id, today):
    """{pupil id or None (the whole group): [product tiles]} of one group, in two queries."""
    grants = list(
        ProductGrant.objects.valid(today).filter(school_id=school_id)
        .filter(models.Q(group_id=group_id) | models.Q(pupil__group_id=group_id, pupil__active=True)
                | models.Q(group__members__group_id=group_id))
        .distinct().select_related("product").defer("product__icon")
    )
    composed = {g.group_id for g in grants if g.group_id and g.group_id != group_id}
    members = {}
    if composed:
        from schools.models import Group

        for pupil_id, composed_id in Group.members.through.objects.filter(
                group_id__in=composed, pupil__group_id=group_id).values_list("pupil_id", "group_id"):
            members.setdefault(composed_id, []).append(pupil_id)
    tiles = {}
    for grant in grants:
        product = grant.product
        tile = {"pk": product.pk, "name": product.name, "icon_url": product.icon_url,
                "url": reverse("software:product_launch", args=[product.pk])}
        if grant.pupil_id:
            owners = [grant.pupil_id]
        elif grant.group_id == group_id:
            owners = [None]
        else:
            owners = members.get(grant.group_id, [])
        for owner in owners:
            tiles.setdefault(owner, {})[product.pk] = tile
    return {owner: list(by_pk.values()) for owner, by_pk in tiles.items()}


def overview_tiles(pupil, *, at_home):
    """The tiles of the overview after a pupil logged in: their group's licensed software (at
    home only the home-use licences), then the products publishers granted the pupil or their
    group, by name. Both come from the cache, in one cache command (three queries on a miss):
    the group's software per gate and day, dropped when a licence, a program or a publisher
    changes (software/signals.py); its granted products per day, kept with the version of the
    school's grants they were read under and used only while that is still the school's
    version, which every change of a grant, a product or a permission replaces."""
    today = timezone.localdate()
    software_key = overview_cache_key(pupil.group_id, at_home, today)
    version_key = _grants_version_key(pupil.school_id)
    products_key = f"product-tiles:{pupil.group_id}:{today.isoformat()}"
    cached = cache.get_many([software_key, version_key, products_key])
    software = cached.get(software_key)
    if software is None:
        software = Software.objects.licensed_tiles(pupil, at_home=at_home, today=today)
        cache.set(software_key, software, OVERVIEW_CACHE_SECONDS)
    version = cached.get(version_key)
    if version is None:  # never set, or evicted: a fresh one, so no older entry is read again
        cache.add(version_key, secrets.token_hex(4), OVERVIEW_CACHE_SECONDS * 24)
        version = cache.get(version_key, "")
    read_under, tiles = cached.get(products_key) or (None, None)
    if tiles is None or read_under != version:
        tiles = _group_product_tiles(pupil.group_id, pupil.school_id, today)
        cache.set(products_key, (version, tiles), OVERVIEW_CACHE_SECONDS)
    mine = {t["pk"]: t for t in tiles.get(None, []) + tiles.get(pupil.pk, [])}
    return software + sorted(mine.values(), key=lambda t: t["name"].lower())
