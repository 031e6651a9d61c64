"""The API's resources in the field's own words (instellingen, groepen, leerlingen, staf). A
pupil is known by their pseudonym at this publisher, never by a database id or the school's
administration key; names and ECK iD only where the school's licence releases them."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

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
