"""The upload page: the upload answers at once, the preview and the import run as background
tasks (here run by the test itself with run_tasks()), and one click imports the previewed file
without a second upload. (The worker thread itself: test_import_background.py.)"""

import io
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from pupils.models import Pupil
from schools.models import AuditEntry, Group
from teachers.models import ImportJob
from tests.factories import SchoolFactory, TeacherFactory
from tests.helpers import log_in_staff

DATA = Path(__file__).resolve().parents[1] / "data"


@pytest.fixture
def vlinder(db):
    return SchoolFactory(brin="97ZZ", name="IKC De Vlinder")


@pytest.fixture
def administrator(vlinder):
    return TeacherFactory(school=vlinder, role="ict_coordinator")


@pytest.fixture
def admin_client(client, administrator):
    log_in_staff(client, administrator.user)
    return client


def upload(client, name, data=None):
    data = (DATA / name).read_bytes() if data is None else data
    return client.post("/leerkracht/import/", {"file": SimpleUploadedFile(name, data)})


def previewed(client, run_tasks, name="edex_small_school.xml"):
    """Upload a file and run its preview; return the job's page address."""
    job_page = upload(client, name)["Location"]
    run_tasks()
    return job_page


def test_the_upload_answers_before_the_import_runs(admin_client, administrator):
    response = upload(admin_client, "edex_small_school.xml")
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/leerkracht/import/{job.pk}/"
    assert (job.state, job.created_by, job.school) == ("queued", administrator.user, administrator.school)
    assert DBTaskResult.objects.get().status == "READY", "queued for a worker, not run by the request"
    page = admin_client.get(response["Location"]).content.decode()
    assert "In de wachtrij" in page and "<progress" in page
    status = admin_client.get(f"/leerkracht/import/{job.pk}/voortgang/").json()
    assert (status["state"], status["finished"]) == ("queued", False)


def test_the_preview_shows_the_changes_and_writes_nothing(admin_client, run_tasks):
    response = admin_client.get(previewed(admin_client, run_tasks))
    page = response.content.decode()
    assert response.status_code == 200
    assert "10 nieuw" in page and "Fenna Bakker" in page
    assert not Pupil.objects.exists()
    assert "/importeren/" in page and "Importeren" in page


def test_the_progress_endpoint_answers_while_the_import_runs(admin_client, run_tasks, monkeypatch):
    job_page = upload(admin_client, "edex_small_school.xml")["Location"]
    seen = []
    record = ImportJob.record_progress

    def ask_while_writing(job, values):
        record(job, values)
        if values.get("stage") == "writing" and values.get("groups") and not seen:
            seen.append(admin_client.get(job_page + "voortgang/"))

    monkeypatch.setattr(ImportJob, "record_progress", ask_while_writing)
    run_tasks()
    status = seen[0].json()
    assert seen[0].status_code == 200
    assert (status["state"], status["finished"]) == ("running", False)
    assert status["progress"]["rows"] == 15  # 3 groups, 10 pupils and 2 teachers read
    assert status["progress"]["groups"] == 3 and status["progress"]["total"] == 10
    assert "verwerkt" in status["label"]


def test_one_click_imports_the_previewed_file(admin_client, administrator, run_tasks):
    job_page = previewed(admin_client, run_tasks)
    response = admin_client.post(job_page + "importeren/")
    assert response.status_code == 302 and response["Location"] == job_page
    assert not Pupil.objects.exists(), "queued, not run by the request"
    assert "Bezig met importeren" in admin_client.get(job_page).content.decode()
    run_tasks()
    page = admin_client.get(job_page).content.decode()
    assert "Geïmporteerd" in page and "Naar de groepen" in page
    assert Pupil.objects.count() == 10
    assert AuditEntry.objects.get(action="imported").actor == administrator.user
    assert bytes(ImportJob.objects.get().data) == b"", "the file is not kept after the import"


def test_a_second_click_imports_once(admin_client, run_tasks):
    job_page = previewed(admin_client, run_tasks)
    admin_client.post(job_page + "importeren/")
    assert admin_client.post(job_page + "importeren/").status_code == 302
    assert DBTaskResult.objects.filter(status="READY").count() == 1
    run_tasks()
    assert AuditEntry.objects.filter(action="imported").count() == 1


def test_a_preview_with_errors_cannot_be_imported(admin_client, run_tasks):
    data = b"leerlingnummer;roepnaam;achternaam;groep\n1;;;Groep 5\n"
    job_page = upload(admin_client, "l.csv", data)["Location"]
    run_tasks()
    response = admin_client.get(job_page)
    assert response.status_code == 400
    assert "Regel 2" in response.content.decode() and "/importeren/" not in response.content.decode()
    assert admin_client.post(job_page + "importeren/").status_code == 400
    assert not DBTaskResult.objects.filter(status="READY").exists() and not Pupil.objects.exists()


def test_a_preview_expires(admin_client, run_tasks, time_machine):
    job_page = previewed(admin_client, run_tasks)
    time_machine.move_to(timezone.now() + timedelta(hours=25))
    log_in_staff(admin_client, ImportJob.objects.get().created_by)  # the session's own limits
    response = admin_client.post(job_page + "importeren/")
    assert response.status_code == 400 and "verlopen" in response.content.decode()
    assert not Pupil.objects.exists()
    upload(admin_client, "edex_small_school.xml")
    assert ImportJob.objects.count() == 1, "the expired job and its file are deleted"


@pytest.mark.parametrize(("name", "message"), [
    ("edex_hostile.xml", "DTD"), ("edex_broken.xml", "Regel 14"),
])
def test_bad_files_get_a_dutch_message_and_400(admin_client, run_tasks, name, message):
    response = admin_client.get(previewed(admin_client, run_tasks, name))
    page = response.content.decode()
    assert response.status_code == 400
    assert message in page and "Niet geïmporteerd" in page
    assert 'name="file"' in page, "the page offers a new upload"
    assert not Pupil.objects.exists() and bytes(ImportJob.objects.get().data) == b""


def test_another_schools_file_is_refused(client, run_tasks, db):
    school = SchoolFactory(brin="99XX")
    log_in_staff(client, TeacherFactory(school=school, role="ict_coordinator").user)
    response = client.get(previewed(client, run_tasks))
    assert response.status_code == 400 and "niet van 99XX00" in response.content.decode()


def test_a_failing_import_shows_its_error_and_changes_nothing(admin_client, run_tasks, monkeypatch):
    job_page = previewed(admin_client, run_tasks)
    admin_client.post(job_page + "importeren/")

    def broken(*args, **kwargs):
        raise RuntimeError("the disk is full")

    monkeypatch.setattr("teachers.importing._write_pupils", broken)  # after groups and staff
    run_tasks()
    response = admin_client.get(job_page)
    page = response.content.decode()
    assert response.status_code == 400
    assert "Niet geïmporteerd" in page and "mislukt door een fout in Basispoort" in page
    assert "disk" not in page, "the cause is for the log, not the page"
    assert not Group.objects.exists() and not Pupil.objects.exists()
    assert DBTaskResult.objects.get(status="FAILED").exception_class_path == "builtins.RuntimeError"


def test_an_import_that_loses_its_database_says_so_and_changes_nothing(admin_client, run_tasks,
                                                                      monkeypatch):
    from django.db import OperationalError

    job_page = previewed(admin_client, run_tasks)
    admin_client.post(job_page + "importeren/")

    def lost(*args, **kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr("teachers.importing._write_groups", lost)
    run_tasks()
    response = admin_client.get(job_page)
    page = response.content.decode()
    assert response.status_code == 400
    assert "De database was niet bereikbaar. Er is niets veranderd; probeer het opnieuw." in page
    assert "server closed" not in page and "helpdesk" not in page
    assert not Group.objects.exists() and not Pupil.objects.exists()


def test_no_file_is_400(admin_client):
    assert admin_client.post("/leerkracht/import/", {}).status_code == 400


def test_the_upload_page_lists_the_administrators_unfinished_imports(admin_client, run_tasks):
    job_page = previewed(admin_client, run_tasks)
    page = admin_client.get("/leerkracht/import/").content.decode()
    assert "Nog niet afgerond" in page and f'href="{job_page}"' in page


# Who may see a job: only the administrator who uploaded it (anonymous: to the login; another
# role: 403; anyone else, also another administrator of the same school: 404).


@pytest.fixture
def job_page(admin_client, run_tasks):
    return previewed(admin_client, run_tasks)


def test_anonymous_goes_to_the_login(client, job_page):
    client.logout()
    for url in [job_page, job_page + "voortgang/"]:
        assert client.get(url)["Location"].startswith("/leerkracht/inloggen/")


@pytest.mark.parametrize("who", ["other_school_admin", "same_school_admin", "same_school_teacher"])
def test_nobody_else_sees_or_applies_the_job(client, job_page, vlinder, who):
    school = SchoolFactory(brin="98YY") if who == "other_school_admin" else vlinder
    role = "leerkracht" if who == "same_school_teacher" else "ict_coordinator"
    log_in_staff(client, TeacherFactory(school=school, role=role).user)
    expected = 403 if who == "same_school_teacher" else 404
    assert client.get(job_page).status_code == expected
    assert client.get(job_page + "voortgang/").status_code == expected
    assert client.post(job_page + "importeren/").status_code == expected
    assert not Pupil.objects.exists()
    if role == "ict_coordinator":
        assert "Nog niet afgerond" not in client.get("/leerkracht/import/").content.decode()


def test_polling_neither_writes_the_session_nor_keeps_it_alive(admin_client, job_page, time_machine):
    from basispoort.middleware import SESSION_SEEN

    seen = admin_client.session[SESSION_SEEN]
    time_machine.move_to(timezone.now() + timedelta(minutes=2))
    assert admin_client.get(job_page + "voortgang/").status_code == 200
    assert admin_client.session[SESSION_SEEN] == seen
    admin_client.get(job_page)  # the administrator at work
    assert admin_client.session[SESSION_SEEN] > seen


def test_a_job_that_stops_reporting_says_so(admin_client, time_machine):
    job_page = upload(admin_client, "edex_small_school.xml")["Location"]
    ImportJob.objects.update(state="running")  # a worker took it, then its server was restarted
    assert "data-stalled hidden" in admin_client.get(job_page).content.decode()
    time_machine.move_to(timezone.now() + timedelta(minutes=11))
    log_in_staff(admin_client, ImportJob.objects.get().created_by)
    page = admin_client.get(job_page).content.decode()
    assert "data-stalled hidden" not in page and "tien minuten geen voortgang" in page
    assert admin_client.get(job_page + "voortgang/").json()["stalled"] is True


def test_the_daily_prune_deletes_expired_files_and_old_tasks(admin_client, run_tasks, time_machine):
    from django.core.management import call_command

    previewed(admin_client, run_tasks)
    call_command("prune_logs", stdout=io.StringIO())
    assert ImportJob.objects.count() == 1 and DBTaskResult.objects.count() == 1
    time_machine.move_to(timezone.now() + timedelta(days=8))
    out = io.StringIO()
    call_command("prune_logs", stdout=out)
    assert "Deleted: 1 expired import files." in out.getvalue()
    assert not ImportJob.objects.exists() and not DBTaskResult.objects.exists()
