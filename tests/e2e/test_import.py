"""An administrator imports a file: the upload answers at once, a progress bar shows how far the
preview is, then the overview; one click imports the same file, with progress again, and then
the result. The import is held still while it writes, so the progress can be seen however fast
the machine is (the worker thread runs in this process: basispoort/taskworker.py)."""

import threading
from pathlib import Path

import pytest
from playwright.sync_api import expect

from pupils.models import Pupil
from teachers.models import ImportJob
from tests.factories import SchoolFactory, TeacherFactory
from tests.helpers import app_code

DATA = Path(__file__).resolve().parents[1] / "data"
FILE = "Bestand uit de leerlingadministratie (EDEX-XML of CSV)"


class Hold:
    def __init__(self):
        self.writing, self.release = threading.Event(), threading.Event()

    def again(self):
        self.writing.clear()
        self.release.clear()


@pytest.fixture
def held(monkeypatch):
    """Every import stops once its groups are written, until the test releases it."""
    hold = Hold()
    record = ImportJob.record_progress

    def record_and_hold(job, values):
        record(job, values)
        if values.get("stage") == "writing" and values.get("groups"):
            hold.writing.set()
            hold.release.wait(timeout=30)

    monkeypatch.setattr(ImportJob, "record_progress", record_and_hold)
    yield hold
    hold.release.set()


def log_in_and_upload(page, school, name):
    administrator = TeacherFactory(school=school, role="ict_coordinator")
    code = app_code(administrator.user)  # the ICT-coördinator's authenticator app
    page.goto("/leerkracht/inloggen/")
    page.get_by_label("Gebruikersnaam").fill(administrator.user.username)
    page.get_by_label("Wachtwoord").fill("correct-horse-battery")
    page.get_by_role("button", name="Inloggen").click()
    page.get_by_label("Code").fill(code)
    page.get_by_role("button", name="Controleren").click()
    page.get_by_role("link", name="Leerlingen importeren").click()
    page.get_by_label(FILE).set_input_files(DATA / name)
    page.get_by_role("button", name="Bekijk wat er verandert").click()


def test_upload_progress_preview_one_click_progress_result(page, assert_accessible, held, db):
    school = SchoolFactory(brin="97ZZ", name="IKC De Vlinder")
    log_in_and_upload(page, school, "edex_small_school.xml")

    expect(page.get_by_role("heading", name="Bezig met het overzicht van wat er verandert")).to_be_visible()
    assert held.writing.wait(timeout=10)
    expect(page.get_by_role("progressbar")).to_be_visible()
    # The script asks how far the preview is and fills in the counts.
    expect(page.locator('[data-count="rows"]')).to_have_text("15")
    expect(page.locator('[data-count="groups"]')).to_have_text("3")
    expect(page.locator("[data-stage]")).to_have_text("Groepen, medewerkers en leerlingen worden verwerkt…")
    assert_accessible(page)
    held.release.set()

    expect(page.get_by_role("heading", name="Wat er verandert")).to_be_visible()
    expect(page.get_by_text("Fenna Bakker")).to_be_visible()
    assert_accessible(page)
    assert not Pupil.objects.exists()

    held.again()
    page.get_by_role("button", name="Importeren", exact=True).click()
    expect(page.get_by_role("heading", name="Bezig met importeren")).to_be_visible()
    assert held.writing.wait(timeout=10)
    expect(page.locator('[data-count="groups"]')).to_have_text("3")
    held.release.set()

    expect(page.get_by_role("heading", name="Geïmporteerd")).to_be_visible()
    assert_accessible(page)
    assert Pupil.objects.filter(school=school).count() == 10


def test_without_script_the_page_reloads_itself_until_the_preview_is_ready(new_page, held, db):
    page = new_page(java_script_enabled=False)
    log_in_and_upload(page, SchoolFactory(brin="97ZZ"), "edex_small_school.xml")
    expect(page.get_by_role("link", name="Vernieuwen")).to_be_visible()
    assert held.writing.wait(timeout=10)
    held.release.set()
    expect(page.get_by_role("heading", name="Wat er verandert")).to_be_visible()


def test_a_refused_file_shows_why_in_dutch(page, assert_accessible, db):
    log_in_and_upload(page, SchoolFactory(brin="97ZZ"), "edex_hostile.xml")
    expect(page.get_by_role("heading", name="Niet geïmporteerd")).to_be_visible()
    expect(page.get_by_role("alert")).to_contain_text("DTD")
    expect(page.get_by_text("Er is niets veranderd.")).to_be_visible()
    assert_accessible(page)


def test_the_preview_lists_skipped_pupils_with_their_lines(page, assert_accessible, db):
    log_in_and_upload(page, SchoolFactory(brin="95AE"), "edexml21/year_levels.xml")
    expect(page.get_by_role("heading", name="Overgeslagen en opmerkingen")).to_be_visible()
    expect(page.get_by_text("Regel 18: Leerling Bo overgeslagen: jaargroep B (baby's).")).to_be_visible()
    assert_accessible(page)
