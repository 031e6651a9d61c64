import re

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from playwright.sync_api import expect

from basispoort.taskworker import in_process_worker
from pupils.models import Pupil
from software.models import PublisherSession


@pytest.fixture
def demo_world(live_server, settings):
    settings.SITE_URL = live_server.url
    # The test server speaks plain HTTP, so the demo publisher's redirect URI is http:// too.
    settings.OAUTH2_PROVIDER = {**django_settings.OAUTH2_PROVIDER, "OIDC_ISS_ENDPOINT": live_server.url,
                                "ALLOWED_REDIRECT_URI_SCHEMES": ["http", "https"]}
    call_command("seed_demo", stdout=open("/dev/null", "w"))
    return Pupil.objects.get(external_id="demo-5a-01")


def emma_logs_in_at_school(page):
    page.goto("/leerkracht/inloggen/?next=/klas/")
    page.get_by_label("Gebruikersnaam").fill("leerkracht")
    page.get_by_label("Wachtwoord").fill("basispoort-demo")
    page.get_by_role("button", name="Inloggen").click()
    page.get_by_role("button", name="Dit apparaat gebruiken voor Groep 5a").click()
    page.get_by_role("link", name="Emma").click()
    expect(page.get_by_role("button", name="OK")).to_be_visible()
    page.get_by_label("Je wachtwoord (4 cijfers)").fill("1357")
    expect(page.get_by_role("heading", name="Hallo Emma!")).to_be_visible()


def test_pupil_launches_demo_software_and_the_publisher_greets_her(page, assert_accessible, demo_world):
    emma = demo_world
    emma_logs_in_at_school(page)

    page.get_by_role("link", name="Rekenroute", exact=True).click()
    expect(page.get_by_role("heading", name="Hallo Emma! Groep 5a, OBS De Regenboog")).to_be_visible()
    assert_accessible(page)
    sub = page.locator("[data-claim=sub]").inner_text()
    assert re.fullmatch(r"[0-9a-f]{64}", sub) and sub != str(emma.user.pk)
    claims = page.locator("[data-claims]").inner_text()
    assert "Vries" not in claims and "family_name" not in claims
    assert page.locator("[data-claim=role]").inner_text() == "leerling"


def test_spellingsterren_gets_no_name(page, demo_world):
    emma_logs_in_at_school(page)
    page.get_by_role("link", name="Spellingsterren").click()
    expect(page.get_by_role("heading", name=re.compile(r"^Hallo! Groep 5a"))).to_be_visible()
    assert page.locator("[data-claim=given_name]").count() == 0


def test_logging_out_of_basispoort_ends_emmas_session_at_the_publisher(page, demo_world):
    # Back-channel logout: the logout token goes from the task queue to the demo publisher's
    # endpoint over HTTP, as it would to an outside publisher, and ends the publisher's own
    # session (its own cookie, not Basispoort's).
    emma_logs_in_at_school(page)
    page.get_by_role("link", name="Rekenroute", exact=True).click()
    expect(page.get_by_text("Ingelogd als Emma")).to_be_visible()
    page.goto("/demo-uitgever/rekenroute/")
    expect(page.get_by_text("Ingelogd als Emma")).to_be_visible()

    page.goto("/overzicht/")
    page.get_by_role("button", name="Uitloggen").click()
    expect(page.get_by_role("link", name="Emma")).to_be_visible()  # the class's tiles again
    assert in_process_worker.wait_until_idle(timeout=30)

    page.goto("/demo-uitgever/rekenroute/")
    expect(page.get_by_role("heading", name="Je sessie is beëindigd")).to_be_visible()
    expect(page.get_by_text("Ingelogd als Emma")).to_have_count(0)
    assert PublisherSession.objects.get(user=demo_world.user).delivered_at is not None
