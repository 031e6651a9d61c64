"""Bad input through the import never gives a 500: names are cleaned, big fields and big uploads
get a clear Dutch error and nothing is written."""

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http.multipartparser import MultiPartParser
from django.test import Client

from pupils.models import Pupil
from teachers.importing import import_school
from tests.factories import SchoolFactory, TeacherFactory
from tests.helpers import log_in_staff


@pytest.fixture
def admin_client(client, db):
    school = SchoolFactory(brin="97ZZ", name="IKC De Vlinder")
    log_in_staff(client, TeacherFactory(school=school, role="ict_coordinator").user)
    return client


def test_a_name_with_a_newline_is_imported_on_one_line(db):
    school = SchoolFactory(brin="96AA")
    data = ('leerlingnummer;roepnaam;achternaam;groep;jaargroep\n'
            '1;"Emma\nBcc: iedereen@example.nl";"de\tVries\x00\u202e";Groep 5;5\n').encode()
    report = import_school(data, filename="leerlingen.csv", school=school)
    assert report.written, report.errors
    emma = Pupil.objects.get(external_id="1")
    assert emma.first_name == "Emma Bcc: iedereen@example.nl"
    assert emma.last_name == "de Vries"
    assert emma.user.first_name == emma.first_name


def test_a_csv_field_over_128_kb_gets_a_dutch_error_with_its_line(admin_client, run_tasks):
    data = b"leerlingnummer;roepnaam;achternaam;groep\n1;Anna;Smit;Groep 6\n2;" + b"x" * 200_000 + b";B;G\n"
    response = admin_client.post("/leerkracht/import/", {"file": SimpleUploadedFile("l.csv", data)})
    run_tasks()  # the file is read by the background task; its page tells the result
    response = admin_client.get(response["Location"])
    page = response.content.decode()
    assert response.status_code == 400
    assert "Regel 3: een veld is te lang" in page
    assert not Pupil.objects.exists()


def test_a_60_mb_upload_gets_a_dutch_error_and_is_not_read(db, monkeypatch):
    # As in production: the CSRF check on (Django's test client skips it by default), and that
    # check reads a POST's whole body, so the size must be refused before it.
    client = Client(enforce_csrf_checks=True)
    log_in_staff(client, TeacherFactory(school=SchoolFactory(brin="97ZZ"), role="ict_coordinator").user)
    assert client.get("/leerkracht/import/").status_code == 200
    token = client.cookies[settings.CSRF_COOKIE_NAME].value
    parsed = []
    real_parse = MultiPartParser.parse
    monkeypatch.setattr(MultiPartParser, "parse",
                        lambda self: parsed.append(self) or real_parse(self))
    data = b"leerlingnummer;roepnaam;achternaam;groep\n" + b"1;Anna;Smit;Groep 6\n" * 3_000_000
    assert len(data) > 60_000_000
    response = client.post("/leerkracht/import/", {
        "csrfmiddlewaretoken": token, "file": SimpleUploadedFile("l.csv", data),
    })
    assert response.status_code == 413
    assert "groter dan 20 MB" in response.content.decode()
    assert parsed == []
    assert not Pupil.objects.exists()


def test_an_upload_under_the_limit_still_passes_the_csrf_check(db):
    client = Client(enforce_csrf_checks=True)
    log_in_staff(client, TeacherFactory(school=SchoolFactory(brin="97ZZ"), role="ict_coordinator").user)
    client.get("/leerkracht/import/")
    data = b"leerlingnummer;roepnaam;achternaam;groep\n1;Anna;Smit;Groep 6\n"
    without_token = client.post("/leerkracht/import/", {"file": SimpleUploadedFile("l.csv", data)})
    assert without_token.status_code == 403
    response = client.post("/leerkracht/import/", {
        "csrfmiddlewaretoken": client.cookies[settings.CSRF_COOKIE_NAME].value,
        "file": SimpleUploadedFile("l.csv", data),
    })
    assert response.status_code == 302
