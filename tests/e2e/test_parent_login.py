"""Home login, the older way: the teacher enters a parent's e-mail, the parent sets a password
through the mailed link, logs in, and the child clicks their tile and types their PIN."""

import email
import re
from pathlib import Path

from playwright.sync_api import expect

from tests.factories import LicenceFactory

PASSWORD = "zonnebloem-fiets-42"


def mailed_link(folder):
    """The set-password link in the (only) mail the file backend wrote."""
    files = list(Path(folder).glob("*.log"))
    assert len(files) == 1, files
    raw = files[0].read_bytes().split(b"-" * 79)[0]
    message = email.message_from_bytes(raw)
    text = next(part for part in message.walk() if part.get_content_type() == "text/plain")
    body = text.get_payload(decode=True).decode(text.get_content_charset())
    return re.search(r"https?://\S+/thuis/wachtwoord/\S+/\S+/", body).group(0)


def test_teacher_adds_parent_who_sets_password_and_child_logs_in_at_home(
    new_page, assert_accessible, live_server, settings, tmp_path, teacher, pupil
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = str(tmp_path)
    settings.SITE_URL = live_server.url
    pupil.home_login_enabled = True
    pupil.save()
    LicenceFactory(school=pupil.school, home_use=True, software__name="Typetuin")
    LicenceFactory(school=pupil.school, home_use=False, software__name="Rekenroute")

    # The teacher enters the parent's address on Emma's page.
    school_page = new_page()
    school_page.goto("/leerkracht/inloggen/")
    school_page.get_by_label("Gebruikersnaam").fill("juf")
    school_page.get_by_label("Wachtwoord").fill("correct-horse-battery")
    school_page.get_by_role("button", name="Inloggen").click()
    expect(school_page).to_have_url(re.compile(r"/leerkracht/$"))
    school_page.goto(f"/leerkracht/leerling/{pupil.pk}/")
    section = school_page.get_by_role("region", name="E-mailadressen ouders/verzorgers")
    section.get_by_label("E-mailadres ouder/verzorger").fill("ouder2@example.nl")
    section.get_by_role("button", name="E-mailadres toevoegen").click()
    expect(school_page.get_by_role("status")).to_contain_text("ouder2@example.nl is toegevoegd")
    expect(section.get_by_role("link", name="Verwijderen ouder2@example.nl")).to_be_visible()

    # At home, on another device: the parents' login and the forgot page are accessible.
    page = new_page()
    page.goto("/thuis/")
    expect(page.get_by_role("heading", level=1, name="Thuisgebruik login")).to_be_visible()
    expect(page.get_by_text("Problemen met inloggen? Raadpleeg de leerkracht van uw kind.")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Gebruikersnaam of wachtwoord vergeten").click()
    expect(page.get_by_role("button", name="Verstuur")).to_be_visible()
    assert_accessible(page)

    # The parent opens the mailed link and sets a password.
    link = mailed_link(tmp_path)
    assert link.startswith(live_server.url)
    page.goto(link)
    expect(page).to_have_url(re.compile(r"/thuis/wachtwoord/[^/]+/set-password/$"))
    expect(page.get_by_role("heading", level=1, name="Wachtwoord aanmaken")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Nieuw wachtwoord", exact=True).fill(PASSWORD)
    page.get_by_label("Herhaal het nieuwe wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Wachtwoord opslaan en inloggen").click()

    # Logged in at once: the children's tiles.
    expect(page).to_have_url(re.compile(r"/thuis/kinderen/$"))
    expect(page.get_by_role("link", name="Emma", exact=True)).to_be_visible()
    assert_accessible(page)

    # The child clicks their tile and types the PIN on the pad.
    page.get_by_role("link", name="Emma", exact=True).click()
    expect(page.get_by_role("heading", level=1, name="Hallo Emma!")).to_be_visible()
    for digit in "1357":
        page.get_by_role("button", name=digit, exact=True).click()

    expect(page).to_have_url(re.compile(r"/overzicht/$"))
    expect(page.get_by_role("link", name="Typetuin")).to_be_visible()
    expect(page.get_by_role("link", name="Rekenroute")).to_have_count(0)

    # "Uitloggen" ends everything: a sibling starts again at the parents' login.
    page.get_by_role("button", name="Uitloggen").click()
    expect(page).to_have_url(re.compile(r"/thuis/$"))
    expect(page.get_by_role("heading", level=1, name="Thuisgebruik login")).to_be_visible()
    page.goto("/thuis/kinderen/")
    expect(page).to_have_url(re.compile(r"/thuis/$"))


def test_remember_my_username(page, guardian):
    username = page.get_by_label("Gebruikersnaam (e-mailadres)")
    remember = page.get_by_label("Onthoud mijn gebruikersnaam")

    def log_in_and_out(tick):
        page.get_by_label("Wachtwoord", exact=True).fill("correct-horse-battery")
        remember.set_checked(tick)
        page.get_by_role("button", name="Inloggen").click()
        expect(page).to_have_url(re.compile(r"/thuis/kinderen/$"))
        page.get_by_role("button", name="Uitloggen").click()
        expect(page).to_have_url(re.compile(r"/thuis/$"))

    page.goto("/thuis/")
    expect(username).to_have_value("")
    username.fill("Ouder@Example.nl")
    log_in_and_out(tick=True)

    # Next visit: prefilled (as stored: lower case), the box still ticked.
    page.goto("/thuis/")
    expect(username).to_have_value("ouder@example.nl")
    expect(remember).to_be_checked()
    expect(page.get_by_label("Wachtwoord", exact=True)).to_be_focused()
    cookie = next(c for c in page.context.cookies() if c["name"] == "bp_ouder")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"

    # Unticked: forgotten.
    log_in_and_out(tick=False)
    page.goto("/thuis/")
    expect(username).to_have_value("")
    expect(remember).not_to_be_checked()
    assert not [c for c in page.context.cookies() if c["name"] == "bp_ouder"]
