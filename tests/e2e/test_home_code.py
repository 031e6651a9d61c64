import re

from playwright.sync_api import expect

from homelogin.services import issue_home_code
from tests.factories import LicenceFactory, PupilFactory, TeacherFactory


def teacher_prints_cards(page, teacher, group):
    page.goto("/leerkracht/inloggen/")
    page.get_by_label("Gebruikersnaam").fill(teacher.user.username)
    page.get_by_label("Wachtwoord").fill("correct-horse-battery")
    page.get_by_role("button", name="Inloggen").click()
    page.get_by_role("link", name=group.name).click()
    page.get_by_role("link", name="Codes voor de hele groep afdrukken").click()
    expect(page.get_by_text("De oude codes werken dan niet meer")).to_be_visible()
    page.get_by_role("button", name="Nieuwe codes maken en afdrukken").click()
    return page.locator("[data-code]")


def test_printed_code_typed_at_home_then_tile_pin_overview(new_page, assert_accessible, db):
    emma = PupilFactory(first_name="Emma", pin="1357", home_login_enabled=True)
    teacher = TeacherFactory(school=emma.school, groups=[emma.group])
    LicenceFactory(school=emma.school, home_use=True, software__name="Rekenroute")
    LicenceFactory(school=emma.school, home_use=False, software__name="Alleen op school")

    school_page = new_page()
    codes = teacher_prints_cards(school_page, teacher, emma.group)
    expect(codes).to_have_count(1)
    assert_accessible(school_page)
    code = codes.first.inner_text()

    home = new_page()  # a new browser context: the family's laptop
    home.goto("/")
    home.get_by_role("link", name="Ik heb een thuis login code").click()
    assert_accessible(home)
    home.get_by_label("Thuis login code").fill("  " + code.lower().replace("-", " ") + " ")
    home.get_by_role("button", name="Verifiëren").click()
    expect(home).to_have_url(re.compile("/thuis/apparaat/$"))
    assert_accessible(home)
    home.get_by_role("link", name="Emma").click()
    for digit in "1357":
        home.get_by_role("button", name=digit, exact=True).click()
    expect(home.get_by_role("heading", name="Hallo Emma!")).to_be_visible()
    expect(home.get_by_role("link", name="Rekenroute")).to_be_visible()
    expect(home.get_by_text("Alleen op school")).to_have_count(0)
    home.get_by_role("button", name="Uitloggen").click()

    # A later visit: no code needed, the tile is on the start page.
    home.goto("/")
    home.get_by_role("link", name="Emma").click()
    expect(home.get_by_label("Je wachtwoord (4 cijfers)")).to_be_visible()


def test_qr_fragment_fills_the_field(page, db):
    emma = PupilFactory(first_name="Emma", home_login_enabled=True)
    code = issue_home_code(pupil=emma)
    page.goto(f"/thuis/code/#{code}")
    expect(page.get_by_label("Thuis login code")).to_have_value(code)
    assert "#" not in page.url
    page.get_by_role("button", name="Verifiëren").click()
    expect(page.get_by_role("link", name="Emma")).to_be_visible()


def test_two_siblings_on_one_device_and_reissue_removes_one(page, db):
    emma = PupilFactory(first_name="Emma", home_login_enabled=True)
    daan = PupilFactory(first_name="Daan", home_login_enabled=True)  # another school
    for child in (emma, daan):
        page.goto("/thuis/code/")
        page.get_by_label("Thuis login code").fill(issue_home_code(pupil=child))
        page.get_by_role("button", name="Verifiëren").click()
    expect(page.get_by_role("link", name="Emma")).to_be_visible()
    expect(page.get_by_role("link", name="Daan")).to_be_visible()

    issue_home_code(pupil=daan)  # the teacher printed a new card for Daan
    page.reload()
    expect(page.get_by_role("link", name="Emma")).to_be_visible()
    expect(page.get_by_role("link", name="Daan")).to_have_count(0)


def test_wrong_code_shows_the_friendly_message(page, db):
    page.goto("/thuis/code/")
    page.get_by_label("Thuis login code").fill("ZZZZ-2222-2222")
    page.get_by_role("button", name="Verifiëren").click()
    expect(page.get_by_role("alert")).to_contain_text("Deze code klopt niet")
