"""Bad input through the import never gives a 500: names are cleaned, big fields and big uploads
get a clear Dutch error and nothing is written."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

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


def test_a_60_mb_upload_gets_a_dutch_error_and_is_not_read(admin_client):
    data = b"leerlingnummer;roepnaam;achternaam;groep\n" + b"1;Anna;Smit;Groep 6\n" * 3_000_000
    assert len(data) > 60_000_000
    response = admin_client.post("/leerkracht/import/", {"file": SimpleUploadedFile("l.csv", data)})
    assert response.status_code == 413
    assert "groter dan 20 MB" in response.content.decode()
    assert not Pupil.objects.exists()
