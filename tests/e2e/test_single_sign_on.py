import re

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from playwright.sync_api import expect

from pupils.models import Pupil


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

    page.get_by_role("link", name="Rekenroute").click()
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
