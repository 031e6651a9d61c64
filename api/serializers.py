"""The API's resources in the field's own words (instellingen, groepen, leerlingen, staf). A
pupil is known by their pseudonym at this publisher, never by a database id or the school's
administration key; names and ECK iD only where the school's licence releases them."""

import base64
import binascii

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from software.models import ICON_MAX_BYTES, Product, Software, validate_icon, validate_launch_url

# EDEX-like role names, as publishers know them from the school's administration system.
STAFF_ROLES = {
    "leerkracht": "Leerkracht",
    "ict_coordinator": "ICTCoordinator",
    "ib_rt": "IBRTer",
    "stagiair": "Stagiair",
    "invalkracht": "Inval",
}


def school_code(school):
    return f"{school.brin}{school.vestiging}"


class SchoolSerializer(serializers.Serializer):
    id = serializers.SerializerMethodField(help_text="BRIN-nummer + vestiging, bijvoorbeeld 99XX00")
    brin = serializers.CharField()
    vestiging = serializers.CharField()
    naam = serializers.CharField(source="name")

    def get_id(self, school) -> str:
        return school_code(school)


class SchoolDetailSerializer(SchoolSerializer):
    toestemming_sinds = serializers.DateTimeField(source="sync_permission.granted_at")
    email_staf = serializers.BooleanField(
        source="sync_permission.shares_staff_email",
        help_text="Of de school e-mailadressen van medewerkers meegeeft")


class SchoolChangeSerializer(serializers.Serializer):
    id = serializers.SerializerMethodField()
    brin = serializers.CharField(source="school.brin")
    vestiging = serializers.CharField(source="school.vestiging")
    naam = serializers.CharField(source="school.name")
    toegekend = serializers.DateTimeField(source="granted_at")
    ingetrokken = serializers.DateTimeField(source="revoked_at", allow_null=True)

    def get_id(self, permission) -> str:
        return school_code(permission.school)


class GroupSerializer(serializers.Serializer):
    id = serializers.CharField(source="pk")
    naam = serializers.CharField(source="name")
    soort = serializers.CharField(source="kind", help_text="stamgroep, samengesteld of jaargroep")
    jaargroep = serializers.IntegerField(source="year_level", allow_null=True)
    schooljaar = serializers.CharField(source="school_year")
    lasKey = serializers.CharField(source="external_id", help_text="Sleutel in de leerlingadministratie")  # noqa: N815
    gewijzigd = serializers.DateTimeField(source="updated_at")


# Released only as the school's licence says; otherwise null.
FIRST_NAME = {"type": "object", "nullable": True, "required": ["roepnaam"],
              "properties": {"roepnaam": {"type": "string"}}}


class PupilSerializer(serializers.Serializer):
    id = serializers.SerializerMethodField(help_text="Het pseudoniem: gelijk aan de sub bij inloggen")
    actief = serializers.BooleanField(source="active", help_text="false: verwijder deze leerling")
    jaargroep = serializers.SerializerMethodField()
    groep = serializers.SerializerMethodField()
    subgroepen = serializers.SerializerMethodField()
    persoonsgegevens = serializers.SerializerMethodField()
    eckid = serializers.SerializerMethodField()
    gewijzigd = serializers.DateTimeField(source="updated_at")

    def get_id(self, pupil) -> str:
        return self.context["pseudonyms"][pupil.subject]

    def get_jaargroep(self, pupil) -> str | None:
        return pupil.jaargroep or None if pupil.active else None

    def get_groep(self, pupil) -> str | None:
        return str(pupil.group_id) if pupil.active else None

    def get_subgroepen(self, pupil) -> list[str]:
        if not pupil.active:
            return []
        visible = self.context["release"].group_ids()
        return [str(g.pk) for g in pupil.composed_groups.all() if visible is None or g.pk in visible]

    @extend_schema_field(FIRST_NAME)
    def get_persoonsgegevens(self, pupil):
        if pupil.active and self.context["release"].shares_first_name(pupil.group_id):
            return {"roepnaam": pupil.first_name}
        return None

    def get_eckid(self, pupil) -> str | None:
        if pupil.active and pupil.eckid and self.context["release"].shares_eckid(pupil.group_id):
            return pupil.eckid
        return None


class RetiredSerializer(serializers.Serializer):
    id = serializers.CharField(source="pseudonym", help_text="Een pseudoniem dat niet meer bestaat")
    vervallen = serializers.DateTimeField(source="retired_at")


class StaffSerializer(serializers.Serializer):
    id = serializers.SerializerMethodField(help_text="Het pseudoniem: gelijk aan de sub bij inloggen")
    rol = serializers.SerializerMethodField()
    groepen = serializers.SerializerMethodField()
    einddatum = serializers.SerializerMethodField()
    persoonsgegevens = serializers.SerializerMethodField()
    email = serializers.SerializerMethodField()

    def get_id(self, teacher) -> str:
        return self.context["pseudonyms"][f"user:{teacher.user_id}"]

    def get_rol(self, teacher) -> str:
        return STAFF_ROLES.get(teacher.role, "Leerkracht")

    def get_groepen(self, teacher) -> list[str]:
        visible = self.context["release"].group_ids()
        return [str(g.pk) for g in teacher.groups.all() if visible is None or g.pk in visible]

    @extend_schema_field({"type": "string", "format": "date", "nullable": True})
    def get_einddatum(self, teacher):
        return getattr(teacher, "end_date", None)

    @extend_schema_field(FIRST_NAME)
    def get_persoonsgegevens(self, teacher):
        if self.context["release"].shares_staff_first_name:
            return {"roepnaam": teacher.user.first_name}
        return None

    def get_email(self, teacher) -> str | None:
        if self.context["school"].sync_permission.shares_staff_email:
            return teacher.user.email or None
        return None


# Licence grants (scope "licenties"): the publisher's products, and their grants at a school.

AUDIENCES = {"leerlingen": "pupils", "leerkrachten": "staff"}
MAX_GRANTS_PER_REQUEST = 1000


@extend_schema_field({"type": "string", "format": "byte", "nullable": True, "writeOnly": True})
class IconField(serializers.Field):
    """A PNG or WebP of at most 100 kB, base64 (optionally as a data: URL); null removes it."""

    def __init__(self, **kwargs):
        super().__init__(allow_null=True, write_only=True, **kwargs)

    def to_internal_value(self, value):
        if not isinstance(value, str):
            raise serializers.ValidationError(_("Stuur het icoon als base64-tekst."))
        if value.startswith("data:"):
            value = value.partition(",")[2]
        # Base64 of 100 kB is about 137 kB of text; anything far longer is refused unread.
        if len(value) > ICON_MAX_BYTES * 4 // 3 + 8:
            raise serializers.ValidationError(_("Het icoon is groter dan 100 kB."))
        try:
            data = base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            raise serializers.ValidationError(_("Het icoon is geen geldige base64.")) from None
        try:
            validate_icon(data)
        except DjangoValidationError as error:
            raise serializers.ValidationError(error.messages) from None
        return data


@extend_schema_field({"type": "string", "description": "client_id van uw OpenID Connect-client"})
class SoftwareField(serializers.Field):
    """One of this publisher's Software titles, named by its OpenID Connect client_id."""

    def to_representation(self, software):
        return software.application.client_id if software.application_id else None

    def to_internal_value(self, value):
        software = (Software.objects.filter(publisher=self.context["publisher"],
                                            application__client_id=str(value)).first())
        if software is None:
            raise serializers.ValidationError(
                _("Onbekende software: geef de client_id van een van uw eigen OpenID Connect-clients."))
        return software


class ProductSerializer(serializers.ModelSerializer):
    code = serializers.RegexField(
        r"^[A-Za-z0-9._-]{1,64}$", help_text="Uw eigen productcode (letters, cijfers, . _ -), uniek bij u",
        error_messages={"invalid": _("Een productcode bestaat uit letters, cijfers, punt, streepje "
                                     "of liggend streepje (hooguit 64).")})
    naam = serializers.CharField(source="name", max_length=200)
    software = SoftwareField(help_text="client_id van de OpenID Connect-client waarmee het product inlogt")
    start_url = serializers.URLField(source="launch_url", max_length=500,
                                     help_text="Waar een tegel van het product naartoe gaat (https)")
    doelgroep = serializers.ChoiceField(source="audience", choices=list(AUDIENCES),
                                        help_text="leerlingen of leerkrachten")
    icoon = IconField(source="icon", required=False,
                      help_text="PNG of WebP, hooguit 100 kB, base64; null: het standaardicoon")
    icoon_url = serializers.CharField(source="icon_url", read_only=True,
                                      help_text="Het icoon zoals Basispoort het toont (eigen adres)")
    gewijzigd = serializers.DateTimeField(source="updated_at", read_only=True)

    class Meta:
        model = Product
        fields = ["code", "naam", "software", "start_url", "doelgroep", "icoon", "icoon_url", "gewijzigd"]

    def to_representation(self, product):
        data = super().to_representation(product)
        data["doelgroep"] = {v: k for k, v in AUDIENCES.items()}[product.audience]
        return data

    def validate_doelgroep(self, value):
        return AUDIENCES[value]

    def validate_start_url(self, value):
        try:
            validate_launch_url(value)
        except DjangoValidationError as error:
            raise serializers.ValidationError(error.messages) from None
        return value

    def validate_code(self, value):
        if self.instance is not None and value != self.instance.code:
            raise serializers.ValidationError(_("De productcode van een product verandert niet."))
        if self.instance is None and Product.objects.filter(
                publisher=self.context["publisher"], code=value).exists():
            raise serializers.ValidationError(_("U heeft al een product met deze code."))
        return value

    def create(self, validated_data):
        return super().create({**validated_data, "publisher": self.context["publisher"]})


class GrantRequestListSerializer(serializers.ListSerializer):
    def validate(self, items):
        if not items:
            raise serializers.ValidationError(_("Stuur ten minste één toekenning."))
        total = sum(len(item["leerlingen"]) + len(item["groepen"]) for item in items)
        if total > MAX_GRANTS_PER_REQUEST:
            raise serializers.ValidationError(
                _("Hooguit %(max)d leerlingen en groepen samen per verzoek; u stuurde er %(count)d.")
                % {"max": MAX_GRANTS_PER_REQUEST, "count": total})
        return items


class GrantRequestSerializer(serializers.Serializer):
    """One product for pupils (by pseudonym) and/or groups (by lasKey)."""

    product = serializers.CharField(max_length=64, help_text="Uw productcode")
    leerlingen = serializers.ListField(
        child=serializers.CharField(max_length=64), required=False, default=list,
        max_length=MAX_GRANTS_PER_REQUEST, help_text="Pseudoniemen (id uit /leerlingen/, gelijk aan de sub)")
    groepen = serializers.ListField(
        child=serializers.CharField(max_length=256), required=False, default=list,
        max_length=MAX_GRANTS_PER_REQUEST, help_text="lasKey van groepen uit /groepen/")
    geldig_vanaf = serializers.DateField(required=False, allow_null=True, default=None)
    geldig_tot = serializers.DateField(required=False, allow_null=True, default=None,
                                       help_text="Tot en met deze datum; leeg: zonder einde")

    class Meta:
        list_serializer_class = GrantRequestListSerializer

    def validate(self, data):
        if not data["leerlingen"] and not data["groepen"]:
            raise serializers.ValidationError(_("Noem leerlingen of groepen."))
        if data["geldig_vanaf"] and data["geldig_tot"] and data["geldig_tot"] < data["geldig_vanaf"]:
            raise serializers.ValidationError({"geldig_tot": [_("De einddatum ligt voor de begindatum.")]})
        return data


class GrantSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk", help_text="Nummer van de toekenning, om in te trekken")
    product = serializers.CharField(source="product.code")
    leerling = serializers.SerializerMethodField(help_text="Pseudoniem, of null bij een groep")
    groep = serializers.SerializerMethodField(help_text="lasKey van de groep, of null bij een leerling")
    geldig_vanaf = serializers.DateField(source="valid_from", allow_null=True)
    geldig_tot = serializers.DateField(source="valid_until", allow_null=True)
    gewijzigd = serializers.DateTimeField(source="updated_at")

    def get_leerling(self, grant) -> str | None:
        return self.context["pseudonyms"][grant.pupil.subject] if grant.pupil_id else None

    def get_groep(self, grant) -> str | None:
        return grant.group.external_id if grant.group_id else None


class RevokeSerializer(serializers.Serializer):
    ids = serializers.ListField(child=serializers.IntegerField(min_value=1), min_length=1,
                                max_length=MAX_GRANTS_PER_REQUEST,
                                help_text="Nummers (id) van toekenningen om in te trekken")


class RevokedSerializer(serializers.Serializer):
    ingetrokken = serializers.IntegerField(help_text="Aantal ingetrokken toekenningen")
