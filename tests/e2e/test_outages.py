"""In the browser, when a part fails: a class logs in with Redis down, and a database outage
shows a calm Dutch page that says to try again soon."""

import re
from unittest import mock

from django.db import OperationalError
from playwright.sync_api import expect

from tests.e2e.helpers import open_tile, set_up_classroom_device, type_on_pad


def test_a_class_logs_in_while_redis_is_down(page, settings, teacher, pupil):
    settings.CACHES = {**settings.CACHES, "default": {
        "BACKEND": "basispoort.cache.FailoverRedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens there
        "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
    }}
    set_up_classroom_device(page)
    open_tile(page, "Emma")
    type_on_pad(page, "1357")
    expect(page).to_have_url(re.compile(r"/overzicht/$"))
    expect(page.get_by_role("heading", level=1, name="Hallo Emma!")).to_be_visible()


def test_a_database_outage_shows_a_calm_page(page, assert_accessible, db):
    down = OperationalError("connection to server failed: Connection refused")
    with mock.patch("homelogin.code_views.render", side_effect=down):
        response = page.goto("/")
    assert response.status == 503 and response.headers["retry-after"] == "30"
    expect(page.get_by_role("heading", level=1, name="Even geduld")).to_be_visible()
    expect(page.get_by_text("probeer het zo weer")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Naar de startpagina").click()
    expect(page.get_by_role("link", name="Ik heb een thuis login code")).to_be_visible()
