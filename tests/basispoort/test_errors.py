"""A database outage is no generic error page: it answers 503 with Retry-After and a Dutch
"probeer het zo weer" page (that itself needs no database), so people and proxies know it is
temporary. Any other fault still gets the ordinary 500 page."""

from unittest import mock

import pytest
from django.db import InterfaceError, OperationalError, connection
from django.test import Client

from tests.helpers import log_in_pupil

DOWN = OperationalError('connection to server at "db.internal", port 5432 failed: Connection refused')


@pytest.fixture
def browser(db):
    return Client(raise_request_exception=False)


@pytest.mark.parametrize("error", [DOWN, InterfaceError("connection already closed")])
def test_a_database_outage_answers_503_with_retry_after(browser, teacher, error):
    browser.force_login(teacher.user)
    with mock.patch("teachers.views.render", side_effect=error):
        response = browser.get("/leerkracht/")
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    page = response.content.decode()
    assert "probeer het zo weer" in page.lower() and "Er ging iets mis" not in page
    assert 'lang="nl"' in page


def test_the_503_page_needs_no_database_at_all(browser, pupil):
    log_in_pupil(browser, pupil)  # the session is in the cache; the user must come from the database
    with mock.patch.object(connection, "cursor", side_effect=DOWN):
        response = browser.get("/overzicht/")
    assert response.status_code == 503 and response["Retry-After"] == "30"


def test_any_other_fault_gets_the_ordinary_500_page(browser, teacher):
    browser.force_login(teacher.user)
    with mock.patch("teachers.views.render", side_effect=RuntimeError("a bug")):
        response = browser.get("/leerkracht/")
    assert response.status_code == 500
    assert "Retry-After" not in response
    assert "Er ging iets mis" in response.content.decode()


def test_the_outage_page_speaks_the_familys_language(browser, pupil, settings):
    log_in_pupil(browser, pupil)
    browser.cookies[settings.LANGUAGE_COOKIE_NAME] = "ar"
    with mock.patch.object(connection, "cursor", side_effect=DOWN):
        response = browser.get("/overzicht/")
    page = response.content.decode()
    assert response.status_code == 503
    assert 'lang="ar" dir="rtl"' in page and "لحظة من فضلك" in page
