"""One import per school at a time: a second import of the same school, from any app server, is
refused with a clear Dutch message while the first is writing, instead of both reporting success
and the last writer silently deactivating the first one's pupils.

The real lock needs PostgreSQL (SQLite writes one transaction at a time anyway, and ignores
SELECT ... FOR UPDATE); CI runs these in its PostgreSQL lane."""

import threading
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from basispoort.taskworker import in_process_worker
from schools.models import School
from teachers.importing import ImportFileError, import_school
from tests.factories import TeacherFactory
from tests.helpers import log_in_staff

DATA = Path(__file__).resolve().parents[1] / "data"
BUSY = "Er loopt al een import voor deze school. Probeer het over een paar minuten opnieuw."

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="row locks across connections need PostgreSQL"
)


def read(name):
    return (DATA / name).read_bytes()


@pytest.fixture
def vlinder(transactional_db):
    assert import_school(read("edex_small_school.xml")).written
    return School.objects.get(brin="97ZZ", vestiging="00")


class HeldImport:
    """Another administrator's import of the same school, held still in the middle of writing
    (its progress callback runs inside its transaction, with the school locked)."""

    def __init__(self):
        self.writing, self.release, self.report = threading.Event(), threading.Event(), None
        self.thread = threading.Thread(target=self._run)
        self.thread.start()
        assert self.writing.wait(timeout=60), "the first import never started writing"

    def _progress(self, progress):
        if progress.stage == progress.WRITING:
            self.writing.set()
            self.release.wait(timeout=60)

    def _run(self):
        try:
            self.report = import_school(read("edex_reimport.xml"), progress=self._progress)
        finally:
            connection.close()

    def finish(self):
        self.release.set()
        self.thread.join(timeout=60)
        return self.report


@pytest.fixture
def import_in_progress(vlinder):
    held = HeldImport()
    yield held
    held.finish()


def test_a_second_import_of_the_same_school_is_refused_while_the_first_writes(import_in_progress):
    with pytest.raises(ImportFileError, match=BUSY):
        import_school(read("edex_small_school.xml"))
    assert import_in_progress.finish().written, "the first import is not disturbed"
    assert import_school(read("edex_small_school.xml")).written, "and the next one runs"


@pytest.fixture
def administrator(vlinder, client):
    log_in_staff(client, TeacherFactory(school=vlinder, role="ict_coordinator").user)
    return client


def test_the_administrator_sees_the_message_on_the_import_page(administrator, import_in_progress):
    # The lock is FOR NO KEY UPDATE: the administrator's own requests (the upload, the job's
    # page) are not held up by the running import; only the second import is refused, by the
    # worker that runs it.
    client = administrator
    response = client.post("/leerkracht/import/", {
        "file": SimpleUploadedFile("edex_small_school.xml", read("edex_small_school.xml")),
    })
    assert response.status_code == 302
    assert in_process_worker.wait_until_idle(), "the worker thread ran the preview (and was refused)"
    response = client.get(response["Location"])
    assert response.status_code == 400
    assert BUSY in response.content.decode()
