from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from pupils.models import Pupil
from schools.models import AuditEntry
from tests.factories import SchoolFactory, TeacherFactory
from tests.helpers import log_in_staff

DATA = Path(__file__).resolve().parents[1] / "data"


@pytest.fixture
def admin_client(client, db):
    school = SchoolFactory(brin="97ZZ", name="IKC De Vlinder")
    log_in_staff(client, TeacherFactory(school=school, role="ict_coordinator").user)
    return client


def upload(client, name, confirm=""):
    data = (DATA / name).read_bytes()
    return client.post("/leerkracht/import/", {
        "file": SimpleUploadedFile(name, data), "confirm": confirm,
    })


def test_upload_shows_the_changes_first_and_writes_nothing(admin_client):
    response = upload(admin_client, "edex_small_school.xml")
    page = response.content.decode()
    assert response.status_code == 200
    assert "10 nieuw" in page and "Fenna Bakker" in page
    assert not Pupil.objects.exists()
    assert 'name="confirm"' in page and "Importeren" in page


def test_confirming_the_same_file_imports_it(admin_client):
    preview = upload(admin_client, "edex_small_school.xml")
    digest = preview.context["form"].initial["confirm"]
    response = upload(admin_client, "edex_small_school.xml", confirm=digest)
    assert "Geïmporteerd" in response.content.decode()
    assert Pupil.objects.count() == 10
    entry = AuditEntry.objects.get(action="imported")
    assert entry.actor is not None


def test_a_different_file_after_the_preview_is_only_previewed(admin_client):
    digest = upload(admin_client, "edex_small_school.xml").context["form"].initial["confirm"]
    upload(admin_client, "edex_reimport.xml", confirm=digest)
    assert not Pupil.objects.exists()


@pytest.mark.parametrize(("name", "message"), [
    ("edex_hostile.xml", "DTD"), ("edex_broken.xml", "Regel 14"),
])
def test_bad_files_get_a_dutch_message_and_400(admin_client, name, message):
    response = upload(admin_client, name)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Pupil.objects.exists()


def test_another_schools_file_is_refused(client, db):
    school = SchoolFactory(brin="99XX")
    log_in_staff(client, TeacherFactory(school=school, role="ict_coordinator").user)
    response = upload(client, "edex_small_school.xml")
    assert response.status_code == 400 and "niet van 99XX00" in response.content.decode()


def test_no_file_is_400(admin_client):
    assert admin_client.post("/leerkracht/import/", {}).status_code == 400
