"""Families in control: a parent removes one of two devices, makes a rescue code that works
once and for 20 minutes only, and the teacher sees it was used."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from homelogin.models import RescueCode
from homelogin.services import issue_home_code
from tests.factories import GuardianLinkFactory

ANDROID = ("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
           "Chrome/126.0.0.0 Mobile Safari/537.36")
IPAD = ("Mozilla/5.0 (iPad; CPU OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
        "Version/17.5 Mobile/15E148 Safari/604.1")


@pytest.fixture
def emma(pupil, guardian):
    pupil.home_login_enabled = True
    pupil.save()
    GuardianLinkFactory(pupil=pupil, guardian=guardian)
    return pupil


def parent_logs_in(page, guardian):
    page.goto("/thuis/")
    page.get_by_label("Gebruikersnaam (e-mailadres)").fill(guardian.username)
    page.get_by_label("Wachtwoord").fill("correct-horse-battery")
    page.get_by_role("button", name="Inloggen").click()
    expect(page).to_have_url(re.compile(r"/thuis/kinderen/$"))


def type_code(page, code):
    page.goto("/")
    page.get_by_role("link", name="Ik heb een thuis login code").click()
    page.get_by_label("Thuis login code").fill(code)
    page.get_by_role("button", name="Verifiëren").click()


def test_parent_removes_one_of_two_devices(new_page, assert_accessible, emma, guardian):
    card = issue_home_code(pupil=emma)
    phone, tablet = new_page(user_agent=ANDROID), new_page(user_agent=IPAD)
    for device in (phone, tablet):
        type_code(device, card)
        expect(device.get_by_role("link", name="Emma")).to_be_visible()

    parent = new_page()
    parent_logs_in(parent, guardian)
    parent.get_by_role("link", name="Apparaten").click()
    expect(parent.get_by_role("heading", level=1, name="Apparaten")).to_be_visible()
    assert_accessible(parent)
    tablet_item = parent.locator("li", has_text="Safari op iPad")
    tablet_item.get_by_label("Naam van dit apparaat").fill("iPad keuken")
    tablet_item.get_by_role("button", name="Naam opslaan").click()
    expect(parent.get_by_role("heading", name="iPad keuken")).to_be_visible()
    parent.locator("li", has_text="Chrome op Android").get_by_role("button", name="Verwijderen").click()
    expect(parent.get_by_role("status")).to_contain_text("Het apparaat is verwijderd")
    expect(parent.get_by_text("Chrome op Android")).to_have_count(0)

    phone.goto("/thuis/apparaat/")
    expect(phone).to_have_url(re.compile(r"/thuis/code/$"))
    tablet.goto("/thuis/apparaat/")
    expect(tablet.get_by_role("link", name="Emma")).to_be_visible()


def test_rescue_code_works_once_and_not_after_20_minutes_and_the_teacher_sees_it(
    new_page, assert_accessible, emma, guardian, teacher
):
    issue_home_code(pupil=emma)  # the card exists, but it is lost
    parent = new_page()
    parent_logs_in(parent, guardian)
    parent.get_by_role("link", name="Reservecode maken Emma").click()
    assert_accessible(parent)
    parent.get_by_role("button", name="Reservecode maken").click()
    code = parent.locator("[data-rescue-code]").inner_text()
    assert re.fullmatch(r"[A-Z2-9]{5}-[A-Z2-9]{5}", code)
    assert_accessible(parent)

    device = new_page(user_agent=ANDROID)  # a new device: the child's tablet
    type_code(device, code)
    device.get_by_role("link", name="Emma").click()
    for digit in "1357":
        device.get_by_role("button", name=digit, exact=True).click()
    expect(device.get_by_role("heading", name="Hallo Emma!")).to_be_visible()

    second = new_page()
    type_code(second, code)
    expect(second.get_by_role("alert")).to_contain_text("Deze code klopt niet")

    parent.goto(f"/thuis/kinderen/{emma.pk}/reservecode/")
    parent.get_by_role("button", name="Reservecode maken").click()
    late = parent.locator("[data-rescue-code]").inner_text()
    # 20 minutes go by (the server-side check itself is tested with time-machine).
    RescueCode.objects.filter(used_at__isnull=True).update(expires_at=timezone.now() - timedelta(seconds=1))
    third = new_page()
    type_code(third, late)
    expect(third.get_by_role("alert")).to_contain_text("Deze code klopt niet")

    school = new_page()  # the next morning
    school.goto("/leerkracht/inloggen/")
    school.get_by_label("Gebruikersnaam").fill("juf")
    school.get_by_label("Wachtwoord").fill("correct-horse-battery")
    school.get_by_role("button", name="Inloggen").click()
    school.goto(f"/leerkracht/leerling/{emma.pk}/")
    used = school.locator("[data-rescue-codes] li").filter(has_text="gebruikt op")
    expect(used).to_contain_text(f"Gemaakt door ouder/verzorger {guardian.email}")
    expect(used).to_contain_text("Chrome op Android")
    expect(school.get_by_role("region", name="Thuisapparaten")).to_contain_text("met een reservecode")
    assert_accessible(school)


def test_what_publishers_know_and_the_download(new_page, assert_accessible, emma, guardian, rekenroute):
    parent = new_page()
    parent_logs_in(parent, guardian)
    parent.get_by_role("link", name="Wat weten de uitgevers? Emma").click()
    expect(parent.get_by_role("heading", name="Rekenroute")).to_be_visible()
    assert_accessible(parent)
    with parent.expect_download() as download:
        parent.get_by_role("button", name="Alles downloaden").click()
    assert download.value.suggested_filename.endswith(".zip")
