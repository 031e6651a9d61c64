"""EDEXML 2.1 as administration systems write it: every test file is valid against the standard's
own schema (tests/data/edexml-2.1/), imports exactly, and importing it again changes nothing."""

from pathlib import Path

import pytest
from django.db import IntegrityError
from lxml import etree

from accounts.models import User
from pupils.models import Pupil
from schools.models import Group, School, Teacher
from teachers.importing import import_school
from tests.factories import SchoolFactory

DATA = Path(__file__).resolve().parents[1] / "data"
FEATURES = DATA / "edexml21"
# Files that are wrong on purpose (a DTD attack, rows the importer must refuse) cannot be valid.
INVALID_ON_PURPOSE = {"edex_broken.xml", "edex_hostile.xml"}
VALID_FILES = sorted(
    [p for p in DATA.glob("*.xml") if p.name not in INVALID_ON_PURPOSE] + list(FEATURES.glob("*.xml"))
)


@pytest.fixture(scope="module")
def schema():
    return etree.XMLSchema(etree.parse(str(DATA / "edexml-2.1" / "EDEXML.structuur.xsd")))


def load(name):
    report = import_school((FEATURES / name).read_bytes())
    assert report.written, report.errors
    return report


def pupil(key):
    return Pupil.objects.get(external_id=key)


@pytest.mark.parametrize("path", VALID_FILES, ids=lambda p: p.name)
def test_every_test_file_is_valid_edexml_2_1(schema, path):
    assert schema.validate(etree.parse(str(path))), schema.error_log


def test_the_readme_example_is_valid_edexml_2_1(schema):
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    example = readme.split("```xml\n", 1)[1].split("```", 1)[0]
    assert schema.validate(etree.fromstring(example.encode())), schema.error_log


def test_the_readme_example_imports(db):
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    assert import_school(readme.split("```xml\n", 1)[1].split("```", 1)[0].encode()).written
    assert (pupil("1001").group.name, pupil("1001").jaargroep, pupil("1001").secret_kind) == (
        "Groep 1/2", "2", "picture")
    assert pupil("1007").eckid.endswith("0a1b2c3d")
    assert list(pupil("1007").composed_groups.values_list("name", flat=True)) == ["Plusgroep rekenen"]


@pytest.mark.parametrize("path", VALID_FILES, ids=lambda p: p.name)
def test_importing_a_file_again_changes_nothing(db, path):
    data = path.read_bytes()
    first = import_school(data)
    assert first.written, first.errors
    rows = [list(model.objects.order_by("pk").values()) for model in (Group, Pupil, Teacher, User)]
    memberships = list(Pupil.composed_groups.through.objects.order_by("pk").values())
    again = import_school(data)
    assert again.written and (again.new.count, again.changed.count, again.moved.count,
                              again.deactivated.count, again.groups_new.count,
                              again.teachers_new.count) == (0, 0, 0, 0, 0, 0)
    assert [list(model.objects.order_by("pk").values()) for model in (Group, Pupil, Teacher, User)] == rows
    assert list(Pupil.composed_groups.through.objects.order_by("pk").values()) == memberships


def test_optional_fields_may_be_missing(db):
    report = load("optional_fields.xml")
    assert pupil("3001").first_name == "Ismaël" and pupil("3001").last_name == "Assati"
    assert (pupil("3002").first_name, pupil("3002").last_name) == ("K.J.", "Bos")
    assert (pupil("3003").first_name, pupil("3003").last_name) == ("Wimpie", "")
    yara = pupil("3004")
    assert (yara.group.name, yara.group.kind, yara.jaargroep, yara.secret_kind) == (
        "Jaargroep 2", "jaargroep", "2", "picture")
    assert not Pupil.objects.filter(external_id="3005").exists()
    assert (19, "Leerling Otto Vertrokken overgeslagen: uitgestroomd op 13-09-2024.") in report.notes
    assert report.skipped == 1
    uilke = Teacher.objects.get(external_id="T1")
    assert (uilke.user.first_name, uilke.user.last_name, uilke.user.email) == ("Uilke", "Veldman", "")
    assert not uilke.user.has_usable_password()
    assert list(uilke.groups.values_list("name", flat=True)) == ["Groep 7"]
    assert Teacher.objects.get(external_id="T2").user.first_name == "Lia"
    assert any("Uilke Veldman heeft geen e-mailadres" in message for _line, message in report.notes)


def test_a_file_of_pupils_only_puts_each_year_in_its_own_group(db):
    load("pupils_only.xml")
    assert {p.external_id: (p.group.name, p.jaargroep, p.secret_kind) for p in Pupil.objects.all()} == {
        "4001": ("Jaargroep 1", "1", "picture"), "4002": ("Jaargroep 6", "6", "pin"),
        "4003": ("Jaargroep 6", "6", "pin")}
    assert dict(Group.objects.values_list("name", "year_level")) == {"Jaargroep 1": 1, "Jaargroep 6": 6}


def test_pupils_of_a_combination_group_keep_their_own_year_and_secret_kind(db):
    load("combination_groups.xml")
    assert {key: (pupil(key).group.name, pupil(key).jaargroep, pupil(key).secret_kind)
            for key in ["5001", "5002", "5003", "5004", "5005"]} == {
        "5001": ("Groep 3/4", "3", "picture"), "5002": ("Groep 3/4", "4", "pin"),
        "5003": ("Groep 5/6", "5", "pin"), "5004": ("Groep 5/6", "6", "pin"),
        # No year level of their own in a combination group: pictures, the safe choice.
        "5005": ("Groep 3/4", "", "picture")}
    assert dict(Group.objects.values_list("name", "year_level")) == {"Groep 3/4": None, "Groep 5/6": None}
    carla = Teacher.objects.get(external_id="T1")
    assert sorted(carla.groups.values_list("name", flat=True)) == ["Groep 3/4", "Groep 5/6"]


def test_year_levels_outside_primary_school_are_skipped_with_a_line_each(db):
    report = load("year_levels.xml")
    assert report.total == 9 and report.skipped == 6 and report.errors == []
    assert sorted(Pupil.objects.values_list("external_id", "jaargroep", "secret_kind")) == [
        ("6004", "S", "picture"), ("6005", "V", "pin"), ("6009", "1", "picture")]
    assert sorted(Group.objects.values_list("name", "year_level")) == [
        ("Groep 1", 1), ("Walvis", None), ("Zeester", None)]
    lines = dict(report.notes)
    assert lines[12] == "Groep Peuters overgeslagen: jaargroep 0 (peutergroep)."
    assert lines[18] == "Leerling Bo overgeslagen: jaargroep B (baby's)."
    assert lines[24] == "Leerling Gradje van 't Hof overgeslagen: jaargroep H (historisch: een oud-leerling)."
    assert lines[25] == "Leerling Bas Brugklas overgeslagen: jaargroep 11 (voortgezet onderwijs)."
    petra = Teacher.objects.get(external_id="T1")
    assert list(petra.groups.values_list("name", flat=True)) == ["Zeester"]


def test_samengestelde_groepen_are_groups_their_teachers_see(db, client):
    load("samengestelde_groepen.xml")
    plus = Group.objects.get(name="Plusgroep rekenen")
    assert (plus.kind, plus.year_level) == ("samengesteld", None)
    assert sorted(plus.members.values_list("first_name", flat=True)) == ["Ruben", "Sofie"]
    assert sorted(pupil("7001").composed_groups.values_list("name", flat=True)) == ["Leesclub",
                                                                                    "Plusgroep rekenen"]
    assert pupil("7001").group.name == "Groep 5"
    rita = Teacher.objects.get(external_id="RT")
    client.force_login(rita.user)
    page = client.get(f"/leerkracht/groep/{plus.pk}/").content.decode()
    assert "Ruben" in page and "Sofie" in page and "Lars" not in page
    assert client.get(f"/leerkracht/leerling/{pupil('7002').pk}/").status_code == 200
    assert client.get(f"/leerkracht/leerling/{pupil('7003').pk}/").status_code == 404


def test_leaving_a_samengestelde_groep_on_reimport(db):
    load("samengestelde_groepen.xml")
    data = (FEATURES / "samengestelde_groepen.xml").read_text().replace(
        '<samengestelde_groepen><samengestelde_groep key="PLUS"/></samengestelde_groepen>', "")
    report = import_school(data.encode())
    assert report.changed.examples == ["Sofie Som"]
    assert list(Group.objects.get(name="Plusgroep rekenen").members.values_list("first_name", flat=True)) == [
        "Ruben"]


def test_eck_ids_come_from_the_attribute(db):
    load("eckid.xml")
    assert pupil("8001").eckid == "https://id.school/2015-09/439f3a9b95d99f03"
    assert pupil("8002").eckid == ""
    assert Teacher.objects.get(external_id="T8").eckid == "https://id.school/2015-09/f839a94b59c5d993"


def test_eck_ids_come_from_the_element_of_older_files(db):
    data = (FEATURES / "eckid.xml").read_text().replace(
        ' eckid="https://id.school/2015-09/439f3a9b95d99f03">', ">").replace(
        "<jaargroep>8</jaargroep><groep key=\"G8\"/></leerling>",
        "<jaargroep>8</jaargroep><groep key=\"G8\"/><eckid>https://ketenid.nl/2.0</eckid></leerling>", 1)
    assert import_school(data.encode()).written
    assert pupil("8001").eckid == "https://ketenid.nl/2.0"


def test_two_locations_of_one_brin_share_their_staff(db):
    load("two_locations_00.xml")
    load("two_locations_01.xml")
    locations = School.objects.filter(brin="95AH").order_by("vestiging")
    assert [s.vestiging for s in locations] == ["00", "01"]
    tessa = User.objects.get(username="tessa@locaties.example")
    assert sorted(tessa.school_roles.values_list("school__vestiging", "groups__name")) == [
        ("00", "Groep 4"), ("01", "Groep 4")]
    zeger = Teacher.objects.filter(user__last_name="Zonder Mail")
    assert zeger.count() == 2 and len({t.user_id for t in zeger}) == 1


def test_long_keys_and_surnames_of_the_schema_import(db):
    load("long_and_unstable_keys.xml")
    long = pupil("K" * 256)
    assert len(long.last_name) == 200 and long.group.external_id == "K" * 256
    assert len(long.user.username) <= 150


def test_hash_keys_are_not_used_to_match(db):
    load("long_and_unstable_keys.xml")
    hanna = Pupil.objects.get(first_name="Hanna")
    hugo = Pupil.objects.get(first_name="Hugo")
    zoe = Teacher.objects.get(user__first_name="Zoë")
    assert hanna.external_id == "" and hanna.group.external_id == "" and zoe.external_id == ""
    # Next export: Hugo has Hanna's old key "#001". Each is still found by name and birth date;
    # Zoë (a new "#" key, no e-mail, no ECK iD) by her name among this school's imported staff.
    report = load("long_and_unstable_keys_next.xml")
    assert (report.new.count, report.deactivated.count, report.changed.count,
            report.teachers_new.count) == (0, 0, 0, 0)
    assert Pupil.objects.get(first_name="Hanna").pk == hanna.pk
    assert Pupil.objects.get(first_name="Hugo").pk == hugo.pk
    again = Teacher.objects.get(user__first_name="Zoë")
    assert (again.pk, again.user_id, again.active) == (zoe.pk, zoe.user_id, True)
    assert (again.user.last_name, list(again.groups.values_list("name", flat=True))) == (
        "van 't Hekje", ["Groep 7"])
    assert Teacher.objects.count() == 2 and User.objects.filter(kind="adult").count() == 2
    assert Group.objects.count() == 2


def test_the_school_keeps_the_name_from_our_records(db):
    SchoolFactory(brin="95AG", name="OBS Het Eckhuis")
    load("eckid.xml")
    assert School.objects.get(brin="95AG").name == "OBS Het Eckhuis"


def test_a_new_school_without_a_name_is_named_by_its_number(db):
    load("eckid.xml")
    assert School.objects.get(brin="95AG").name == "95AG00"


def test_the_example_of_the_manual_imports(db):
    report = load("handleiding_voorbeeld.xml")
    assert (report.new.count, report.skipped) == (2, 1)
    wimpie = pupil("00001")
    assert (wimpie.group.name, wimpie.jaargroep, wimpie.secret_kind) == ("4B", "4", "pin")
    assert sorted(wimpie.composed_groups.values_list("name", flat=True)) == ["Samgroep 1", "Samgroep 2"]
    assert pupil("00002").group.name == "Jaargroep 4"
    lk2 = Teacher.objects.get(external_id="LK2")
    assert sorted(lk2.groups.values_list("name", flat=True)) == [
        "Muizen", "Samgroep 1", "Samgroep 2", "Samgroep 3"]


def test_csv_combination_groups_keep_each_pupils_year(db):
    school = SchoolFactory(brin="96AB")
    data = (b"leerlingnummer;roepnaam;achternaam;groep;jaargroep\n"
            b"1;Anna;Smit;Groep 3/4;3\n2;Bas;Bos;Groep 3/4;4\n3;Cor;Kok;;6\n4;Dirk;Dop;Groep 7;7\n"
            b"5;Peuter;Pim;Peuters;0\n6;Eva;Eik;Groep 7;\n")
    report = import_school(data, filename="l.csv", school=school)
    assert report.written, report.errors
    # Eva has no year of her own: she takes her group's, as in EDEX (Groep 7 is no combination).
    assert sorted(Pupil.objects.values_list("first_name", "group__name", "jaargroep", "secret_kind")) == [
        ("Anna", "Groep 3/4", "3", "picture"), ("Bas", "Groep 3/4", "4", "pin"),
        ("Cor", "Jaargroep 6", "6", "pin"), ("Dirk", "Groep 7", "7", "pin"), ("Eva", "Groep 7", "7", "pin")]
    assert Group.objects.get(name="Groep 3/4").year_level is None
    assert Group.objects.get(name="Groep 7").year_level == 7
    assert report.skipped == 1
    again = import_school(data, filename="l.csv", school=school)
    assert (again.new.count, again.changed.count, again.moved.count) == (0, 0, 0)


def test_a_refusal_names_the_line_and_the_rule(db):
    data = (FEATURES / "eckid.xml").read_text().replace('<groep key="G8"/></leerling>',
                                                         '<groep key="G9"/></leerling>', 1)
    report = import_school(data.encode())
    assert report.errors == [(12, "Leerling: groep 'G9' is onbekend.")]
    assert not Pupil.objects.exists()


def with_teacher(xml):
    """eckid.xml with one more leerkracht, on line 17."""
    return (FEATURES / "eckid.xml").read_text().replace(
        "  </leerkrachten>", f"    {xml}\n  </leerkrachten>").encode()


def test_a_teacher_key_twice_in_the_file_is_refused_on_its_second_line(db, schema):
    # Valid: the schema compares keys as written; the importer drops the space, so it reads T8 twice.
    data = with_teacher('<leerkracht key="T8 "><achternaam>Twee</achternaam><roepnaam>Tom</roepnaam>'
                        "</leerkracht>")
    assert schema.validate(etree.fromstring(data)), schema.error_log
    report = import_school(data)
    assert report.errors == [(17, "Leerkracht: sleutel T8 staat twee keer in het bestand.")]
    assert not report.written and not Teacher.objects.exists()


def test_an_email_address_too_long_for_a_username_is_imported_without_it(db, schema):
    address = f"juf.{'a' * 60}@{'b' * 60}.{'c' * 30}.example"  # 164 characters, a valid address
    data = with_teacher(f'<leerkracht key="T9"><achternaam>Lang</achternaam><roepnaam>Lotte</roepnaam>'
                        f"<emailadres>{address}</emailadres></leerkracht>")
    assert schema.validate(etree.fromstring(data)), schema.error_log
    report = import_school(data)
    assert report.written, report.errors
    assert (17, "Leerkracht Lang: het e-mailadres is langer dan 150 tekens en kan geen inlognaam "
                "zijn; geïmporteerd zonder e-mailadres.") in report.notes
    lotte = Teacher.objects.get(external_id="T9").user
    assert lotte.email == "" and address not in lotte.username and len(lotte.username) <= 150


def test_a_database_error_while_writing_never_reaches_the_user_as_text(db, monkeypatch):
    def clash(*args, **kwargs):
        raise IntegrityError('duplicate key value violates unique constraint "teacher_external_id_'
                             'unique_per_school"\nDETAIL:  Key (school_id, external_id)=(1, T8) '
                             "already exists.")

    monkeypatch.setattr("teachers.importing._write_teachers", clash)  # after the groups
    report = import_school((FEATURES / "eckid.xml").read_bytes())
    assert report.errors == [(0, "Het bestand kon niet worden opgeslagen: twee regels spreken elkaar "
                                 "tegen. Er is niets veranderd; neem contact op met de helpdesk.")]
    shown = str(report.as_dict())
    assert "duplicate" not in shown and "unique" not in shown and "T8" not in shown
    assert not report.written and not School.objects.exists() and not Group.objects.exists()


@pytest.mark.parametrize(("name", "first", "last"), [
    ("encoding_iso_8859_1.xml", "Ångström", "Jørgensen"),
    ("encoding_windows_1252.xml", "Chloë", "O’Šoštar"),
    ("encoding_utf8_bom.xml", "Łucja", "Nguyễn"),
])
def test_files_in_each_encoding_keep_accents_and_prefixes_exactly(db, name, first, last):
    data = (FEATURES / name).read_bytes()
    assert ("Zoë".encode() in data) == name.startswith("encoding_utf8"), "the file is in its own encoding"
    assert data.startswith(b"\xef\xbb\xbf") == name.endswith("_bom.xml")
    load(name)
    assert {p.external_id: (p.first_name, p.last_name_prefix, p.last_name) for p in Pupil.objects.all()} == {
        "9001": ("Zoë", "van 't", "Hof"), "9002": ("Emre", "", "Çelik"), "9003": (first, "", last)}
    assert pupil("9001").user.last_name == "van 't Hof"
    assert Group.objects.get().name == "Groep 6 Één"
    anais = Teacher.objects.get(external_id="T6").user
    assert (anais.first_name, anais.last_name) == ("Anaïs", "de Brontë")


def test_the_benchmark_writes_valid_edexml_2_1(schema):
    import io

    from bench.make_edex import generate

    out = io.StringIO()
    generate(60, out)
    assert schema.validate(etree.fromstring(out.getvalue().encode())), schema.error_log
