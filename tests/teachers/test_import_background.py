"""The import runs in the background for real: on committed data the upload wakes the in-process
worker thread (basispoort/taskworker.py), which runs the preview in its own thread and database
connection while the administrator's requests go on. The import is held still in the middle of
writing, so what the tests see does not depend on how fast the machine is."""

import io
import signal
import threading
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django_tasks_db.models import DBTaskResult

from basispoort.taskworker import in_process_worker
from pupils.models import Pupil
from teachers.models import ImportJob
from tests.factories import SchoolFactory, TeacherFactory
from tests.helpers import log_in_staff

DATA = Path(__file__).resolve().parents[1] / "data"

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def administrator(client):
    school = SchoolFactory(brin="97ZZ", name="IKC De Vlinder")
    log_in_staff(client, TeacherFactory(school=school, role="ict_coordinator").user)
    return client


@pytest.fixture
def held(monkeypatch):
    """Hold every import still once it is writing (inside its transaction), until released."""
    writing, release = threading.Event(), threading.Event()
    record = ImportJob.record_progress

    def hold(job, values):
        record(job, values)
        if values.get("stage") == "writing":
            writing.set()
            release.wait(timeout=30)

    monkeypatch.setattr(ImportJob, "record_progress", hold)
    yield writing, release
    release.set()


def upload(client):
    data = (DATA / "edex_small_school.xml").read_bytes()
    return client.post("/leerkracht/import/", {"file": SimpleUploadedFile("edex_small_school.xml", data)})


def test_the_upload_returns_while_the_worker_thread_runs_the_preview(administrator, held):
    writing, release = held
    response = upload(administrator)
    assert response.status_code == 302
    assert writing.wait(timeout=30), "the worker thread never started the preview"
    # The preview is now writing (then rolling back) in the worker's thread; the pages answer.
    status = administrator.get(response["Location"] + "voortgang/")
    assert status.status_code == 200
    assert status.json()["state"] == "running"
    assert status.json()["progress"]["stage"] == "writing"
    page = administrator.get(response["Location"])
    assert page.status_code == 200 and "Bezig met het overzicht" in page.content.decode()
    release.set()
    assert in_process_worker.wait_until_idle()
    page = administrator.get(response["Location"]).content.decode()
    assert "10 nieuw" in page and not Pupil.objects.exists()


def test_one_click_runs_the_import_in_the_worker_thread(administrator):
    job_page = upload(administrator)["Location"]
    assert in_process_worker.wait_until_idle()
    administrator.post(job_page + "importeren/")
    assert in_process_worker.wait_until_idle()
    assert "Geïmporteerd" in administrator.get(job_page).content.decode()
    assert Pupil.objects.count() == 10
    # The preview, the import, and the new staff's invitations as a task of their own.
    assert sorted(DBTaskResult.objects.values_list("task_path", "status")) == [
        ("teachers.staff.invite_staff_members", "SUCCESSFUL"),
        ("teachers.tasks.run_import", "SUCCESSFUL"), ("teachers.tasks.run_import", "SUCCESSFUL")]


def test_without_the_in_process_worker_the_task_waits_for_db_worker(administrator, settings):
    settings.TASKS_IN_PROCESS_WORKER = False  # production: workers are processes of their own
    job_page = upload(administrator)["Location"]
    assert not in_process_worker.running and ImportJob.objects.get().state == "queued"
    handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGQUIT)}
    try:
        call_command("db_worker", batch=True, reload=False, startup_delay=False, stdout=io.StringIO())
    finally:
        for sig, handler in handlers.items():  # the command takes over Ctrl+C for a clean stop
            signal.signal(sig, handler)
    assert ImportJob.objects.get().state == "done"
    assert "10 nieuw" in administrator.get(job_page).content.decode()
