from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from homelogin.models import DeviceGrant, DeviceGrantPupil, HomeLoginCode
from homelogin.services import issue_home_code, remember_on_device
from pupils.models import Pupil
from schools.models import Group, School, Teacher
from teachers.importing import ImportFileError, import_school
from tests.factories import GuardianLinkFactory, SchoolFactory

DATA = Path(__file__).resolve().parents[1] / "data"


def read(name):
    return (DATA / name).read_bytes()


@pytest.fixture
def vlinder(db):
    report = import_school(read("edex_small_school.xml"))
    assert report.written and not report.errors
    return School.objects.get(brin="97ZZ", vestiging="00")


def test_sample_school_creates_the_right_rows(vlinder):
    assert vlinder.name == "97ZZ00", "EDEX files name no school: a new one is named by its number"
    assert sorted(vlinder.groups.values_list("name", flat=True)) == ["Groep 3", "Groep 4", "Groep 5"]
    assert Pupil.objects.filter(school=vlinder, active=True).count() == 10
    assert Teacher.objects.filter(school=vlinder).count() == 2
    pieter = Teacher.objects.get(external_id="T2")
    assert pieter.user.username == "p.degraaf@devlinder.example"
    assert pieter.user.last_name == "de Graaf" and not pieter.user.has_usable_password()
    assert list(pieter.groups.values_list("name", flat=True)) == ["Groep 5"]
    lotte = Pupil.objects.get(external_id="1005")
    assert lotte.eckid.endswith("0a1b2c3d") and str(lotte.birth_date) == "2018-11-11"


def test_new_pupils_get_pictures_in_groups_1_to_3_and_pins_above(vlinder):
    groep3 = Pupil.objects.filter(school=vlinder, group__year_level=3)
    assert set(groep3.values_list("secret_kind", flat=True)) == {"picture"}
    above = Pupil.objects.filter(school=vlinder, group__year_level__gt=3)
    assert set(above.values_list("secret_kind", flat=True)) == {"pin"}
    assert all(p.secret_hash.startswith("hmac-sha256$") for p in Pupil.objects.all())


def test_reimport_syncs_and_keeps_secrets(vlinder):
    daan = Pupil.objects.get(external_id="1006")
    daan.home_login_enabled = True
    daan.save()
    GuardianLinkFactory(pupil=daan)
    code = issue_home_code(pupil=daan)
    remember_on_device(token=None, code=HomeLoginCode.objects.current().get(pupil=daan))
    sem = Pupil.objects.get(external_id="1010")
    sem.home_login_enabled = True
    sem.save()
    issue_home_code(pupil=sem)
    remember_on_device(token=None, code=HomeLoginCode.objects.current().get(pupil=sem))
    assert any(sem in grant.visible_pupils() for grant in DeviceGrant.objects.all())
    before = daan.secret_hash

    report = import_school(read("edex_reimport.xml"))

    assert report.written and report.errors == []
    assert (report.new.count, report.changed.count, report.moved.count,
            report.deactivated.count) == (1, 1, 1, 1)
    assert report.moved.examples == ["Daan Mulder"] and report.deactivated.examples == ["Sem Kuijpers"]
    daan.refresh_from_db()
    assert daan.group.name == "Groep 5" and daan.secret_hash == before
    assert daan.guardian_links.count() == 1
    assert HomeLoginCode.objects.current().get(pupil=daan).selector == code[:4]
    assert DeviceGrantPupil.objects.filter(pupil=daan).exists()
    assert Pupil.objects.get(external_id="1002").last_name == "Dijke"
    assert Pupil.objects.get(external_id="1011").first_name == "Bo"
    sem.refresh_from_db()
    assert not sem.active, "a leaver is deactivated, not deleted"
    assert not any(sem in grant.visible_pupils() for grant in DeviceGrant.objects.all())
    pieter = Teacher.objects.get(external_id="T2")
    assert sorted(pieter.groups.values_list("name", flat=True)) == ["Groep 4", "Groep 5"]
    assert Pupil.objects.filter(school=vlinder).count() == 11


def test_an_import_lands_in_the_audit_log_a_dry_run_does_not(vlinder):
    from schools.models import AuditEntry
    assert AuditEntry.objects.filter(school=vlinder, action="imported").count() == 1
    import_school(read("edex_reimport.xml"), dry_run=True)
    entry = AuditEntry.objects.get(school=vlinder, action="imported")
    assert "10 leerlingen in het bestand" in entry.detail


def test_reimporting_the_same_file_changes_nothing(vlinder):
    report = import_school(read("edex_small_school.xml"))
    assert (report.new.count, report.changed.count, report.moved.count,
            report.deactivated.count) == (0, 0, 0, 0)


def test_dry_run_reports_the_same_and_writes_nothing(vlinder):
    dry = import_school(read("edex_reimport.xml"), dry_run=True)
    assert not dry.written
    assert Pupil.objects.get(external_id="1006").group.name == "Groep 4"
    assert not Pupil.objects.filter(external_id="1011").exists()
    real = import_school(read("edex_reimport.xml"))
    assert (dry.new.count, dry.moved.count, dry.deactivated.count) == (
        real.new.count, real.moved.count, real.deactivated.count)


def test_dry_run_of_a_new_school_creates_no_school(db):
    report = import_school(read("edex_small_school.xml"), dry_run=True)
    assert report.new.count == 10 and not School.objects.exists()


def test_broken_file_writes_nothing_and_reports_each_bad_row(db):
    report = import_school(read("edex_broken.xml"))
    assert not report.written
    assert [line for line, _ in report.errors] == [13, 14, 15, 16, 17]
    assert "groep 'G9' is onbekend" in report.errors[1][1]
    assert not School.objects.exists() and not Pupil.objects.exists()


@pytest.mark.parametrize("name", ["edex_hostile.xml"])
def test_hostile_xml_is_refused(db, name):
    with pytest.raises(ImportFileError, match="DTD"):
        import_school(read(name))
    assert not School.objects.exists()


@pytest.mark.parametrize("data", [b"", b"<EDEX><leerlingen>", b"<html></html>", b"\xff\xfe<x/>"])
def test_unreadable_xml_is_a_clear_error(db, data):
    with pytest.raises(ImportFileError):
        import_school(data, filename="export.xml")


def test_another_schools_file_is_refused(db):
    mine = SchoolFactory(brin="99XX")
    with pytest.raises(ImportFileError, match="niet van 99XX00"):
        import_school(read("edex_small_school.xml"), school=mine)


def test_csv_with_bom_and_semicolons(db):
    school = SchoolFactory(brin="96AA")
    report = import_school(read("pupils.csv"), filename="leerlingen.csv", school=school)
    assert report.written, report.errors
    assert dict(Group.objects.filter(school=school).values_list("name", "year_level")) == {
        "Groep 4b": 4, "Groep 2": 2}
    ruben = Pupil.objects.get(external_id="5002")
    assert (ruben.last_name_prefix, ruben.last_name) == ("van den", "Berg")
    assert str(ruben.birth_date) == "2018-09-17"
    assert Pupil.objects.get(external_id="5003").secret_kind == "picture"


def test_csv_with_commas_and_bad_rows(db):
    school = SchoolFactory()
    data = (b"Leerlingnummer,Roepnaam,Achternaam,Groep,Jaargroep\n"
            b"1,Anna,Smit,Groep 6,6\n2,,,Groep 6,6\n3,Bas,Bos,Groep 6,6\n")
    report = import_school(data, filename="x.csv", school=school)
    assert [line for line, _ in report.errors] == [3]
    assert not Pupil.objects.exists()


def test_csv_needs_the_dutch_columns(db):
    with pytest.raises(ImportFileError, match="verplicht"):
        import_school(b"id;name\n1;x\n", filename="x.csv", school=SchoolFactory())


def test_command_dry_run_and_real_run(db, capsys):
    call_command("import_school", str(DATA / "edex_small_school.xml"), "--dry-run")
    assert "10 nieuw" in capsys.readouterr().out and not Pupil.objects.exists()
    call_command("import_school", str(DATA / "edex_small_school.xml"))
    assert Pupil.objects.count() == 10


def test_command_reports_errors_and_fails(db, capsys):
    with pytest.raises(CommandError, match="Nothing was written"):
        call_command("import_school", str(DATA / "edex_broken.xml"))
    assert "regel 14" in capsys.readouterr().err


def test_command_refuses_hostile_file(db):
    with pytest.raises(CommandError, match="DTD"):
        call_command("import_school", str(DATA / "edex_hostile.xml"))


@pytest.mark.parametrize("school", [None, "97ZZ00"])
def test_the_command_says_in_one_line_when_the_database_is_unreachable(db, school):
    from unittest import mock

    from django.db import OperationalError, connection

    unreachable = OperationalError('connection to server at "db.internal" (10.0.0.5), port 5432 '
                                   "failed: Connection refused\n\tIs the server running on that host?")
    args = [str(DATA / "edex_small_school.xml")] + (["--school", school] if school else [])
    with mock.patch.object(connection, "cursor", side_effect=unreachable), \
            pytest.raises(CommandError) as refused:
        call_command("import_school", *args, verbosity=0)
    message = str(refused.value)
    assert message.startswith("The database cannot be reached (connection to server at")
    assert "\n" not in message and "Nothing was written" in message


def test_the_command_says_in_one_line_when_the_database_goes_away_while_writing(db, monkeypatch, caplog):
    from django.db import OperationalError

    def lost(*args, **kwargs):
        raise OperationalError("server closed the connection unexpectedly\n\tThis probably means the "
                               "server terminated abnormally")

    monkeypatch.setattr("teachers.importing._write_groups", lost)  # the first write after the school
    with pytest.raises(CommandError) as refused:
        call_command("import_school", str(DATA / "edex_small_school.xml"), verbosity=0)
    message = str(refused.value)
    assert message.startswith("The database cannot be reached (server closed the connection")
    assert "\n" not in message and "Nothing was written" in message
    assert not any(record.exc_info for record in caplog.records), "no traceback in the log"
    assert not School.objects.exists()


def test_the_command_prints_every_note_with_its_line(db):
    import io

    out = io.StringIO()
    call_command("import_school", str(DATA / "edexml21" / "optional_fields.xml"), stdout=out, verbosity=0)
    lines = out.getvalue().splitlines()
    assert "regel 19: Leerling Otto Vertrokken overgeslagen: uitgestroomd op 13-09-2024." in lines
    assert any(line.startswith("regel ") and "Uilke Veldman heeft geen e-mailadres" in line for line in lines)
