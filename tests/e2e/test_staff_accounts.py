"""Staff accounts in the browser: an import invites each teacher once, each sets a password and
sees exactly their groups (a teacher at two schools picks one; a teacher who is a parent reaches
their children too); a substitute loses access after the end date; an ICT-coördinator cannot get
in without the second step once it is set up."""

import datetime
import email
import re
import zoneinfo
from collections import Counter
from pathlib import Path

from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from basispoort.taskworker import in_process_worker
from tests.factories import (
    GroupFactory,
    GuardianFactory,
    GuardianLinkFactory,
    PupilFactory,
    SchoolFactory,
    TeacherFactory,
)
from tests.helpers import app_code

FILES = Path(__file__).resolve().parents[1] / "data" / "edexml21"
PASSWORD = "correct-horse-battery"
NEW_PASSWORD = "Zonnebloem-fiets-42"
AMSTERDAM = zoneinfo.ZoneInfo("Europe/Amsterdam")


def mails(folder):
    """{recipient: [body, ...]} of the mails the file backend wrote."""
    found = {}
    for path in Path(folder).glob("*.log"):
        for raw in path.read_bytes().split(b"-" * 79):
            if not raw.strip():
                continue
            message = email.message_from_bytes(raw.strip())
            body = message.get_payload(decode=True).decode(message.get_content_charset() or "utf-8")
            found.setdefault(message["To"], []).append(body)
    return found


def staff_link(body):
    return re.search(r"https?://\S+/leerkracht/wachtwoord/\S+/\S+/", body).group(0)


def log_in(page, username, password=PASSWORD):
    page.goto("/leerkracht/inloggen/")
    page.get_by_label("Gebruikersnaam of e-mailadres").fill(username)
    page.get_by_label("Wachtwoord").fill(password)
    page.get_by_role("button", name="Inloggen").click()


def set_password(page, link):
    page.goto(link)
    page.get_by_label("Nieuw wachtwoord", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("Herhaal het nieuwe wachtwoord").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Wachtwoord opslaan en inloggen").click()


def import_through_the_page(page, username, user, file):
    """The school's ICT-coördinator logs in (password and app) and imports ``file``: the
    preview, then one click imports the same file."""
    code = app_code(user)
    log_in(page, username)
    page.get_by_label("Code").fill(code)
    page.get_by_role("button", name="Controleren").click()
    page.get_by_role("link", name="Leerlingen importeren").first.click()
    upload = page.get_by_label("Bestand uit de leerlingadministratie (EDEX-XML of CSV)")
    upload.set_input_files(file)
    page.get_by_role("button", name="Bekijk wat er verandert").click()
    # The preview runs in the background; then one click imports the same file.
    expect(page.get_by_role("heading", name="Wat er verandert")).to_be_visible(timeout=20000)
    page.get_by_role("button", name="Importeren", exact=True).click()
    expect(page.get_by_role("heading", name="Geïmporteerd")).to_be_visible(timeout=20000)


def test_an_import_invites_each_teacher_once_and_each_sees_exactly_their_groups(
    new_page, assert_accessible, live_server, settings, tmp_path
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = str(tmp_path)
    settings.SITE_URL = live_server.url
    school_a = SchoolFactory(brin="97AA", name="OBS De Akker")
    school_b = SchoolFactory(brin="97BB", name="CBS De Beek")
    ict = TeacherFactory(school=school_a, role="ict_coordinator", user__username="ict-akker")
    ict_beek = TeacherFactory(school=school_b, role="ict_coordinator", user__username="ict-beek")
    # Fatima's address is already her login as a parent (of a child at another school).
    fatima = GuardianFactory(username="fatima@thuis.example", first_name="Fatima")
    child = PupilFactory(first_name="Yasmin", home_login_enabled=True)
    GuardianLinkFactory(guardian=fatima, pupil=child)

    # The ICT-coördinator of each school imports its file; Jan is in both.
    page = new_page()
    import_through_the_page(page, "ict-akker", ict.user, FILES / "staff_school_a.xml")
    beek = new_page()
    import_through_the_page(beek, "ict-beek", ict_beek.user, FILES / "staff_school_b.xml")
    expect(beek.get_by_role("heading", name="Leerlingen importeren: CBS De Beek")).to_be_visible()
    # The invitations go out as a task of their own, after the import.
    assert in_process_worker.wait_until_idle()

    page.goto("/leerkracht/beheer/medewerkers/")
    expect(page.get_by_role("region", name="Nog niet geactiveerd")).to_contain_text("jan@scholen.example")
    assert_accessible(page)

    sent = mails(tmp_path)
    assert Counter({to: len(bodies) for to, bodies in sent.items()}) == Counter(
        {"jan@scholen.example": 1, "fatima@thuis.example": 1})

    # Jan sets his password, logs in, picks a school, and sees only that school's group.
    jan = new_page()
    set_password(jan, staff_link(sent["jan@scholen.example"][0]))
    expect(jan.get_by_role("heading", name="Kies een school")).to_be_visible()
    assert_accessible(jan)
    jan.get_by_role("button", name=re.compile("OBS De Akker")).click()
    expect(jan.get_by_role("heading", name="Mijn groepen")).to_be_visible()
    expect(jan.locator(".cards")).to_have_text(re.compile(r"^\s*Groep 5\s*$"))
    jan.get_by_role("link", name="Andere school").click()
    jan.get_by_role("button", name=re.compile("CBS De Beek")).click()
    expect(jan.locator(".cards")).to_have_text(re.compile(r"^\s*Groep 3\s*$"))
    # ...and logs in again with the new password and his address.
    jan.get_by_role("button", name="Uitloggen").first.click()
    log_in(jan, "jan@scholen.example", NEW_PASSWORD)
    expect(jan.get_by_role("heading", name="Kies een school")).to_be_visible()

    # Fatima, a parent already, sets a password and reaches her class and her child.
    parent = new_page()
    set_password(parent, staff_link(sent["fatima@thuis.example"][0]))
    expect(parent.locator(".cards")).to_have_text(re.compile(r"^\s*Groep 7\s*$"))
    parent.get_by_role("link", name="Mijn kinderen (thuis inloggen)").click()
    expect(parent.get_by_role("link", name="Yasmin", exact=True)).to_be_visible()
    assert_accessible(parent)
    # One account, one password, at the parents' door too.
    parent.context.clear_cookies()
    parent.goto("/thuis/")
    parent.get_by_label("Gebruikersnaam (e-mailadres)").fill("fatima@thuis.example")
    parent.get_by_label("Wachtwoord").fill(NEW_PASSWORD)
    parent.get_by_role("button", name="Inloggen").click()
    expect(parent.get_by_role("link", name="Yasmin", exact=True)).to_be_visible()
    parent.goto("/leerkracht/")
    expect(parent.locator(".cards")).to_have_text(re.compile(r"^\s*Groep 7\s*$"))
    # ...and at the staff door, with the same password.
    parent.context.clear_cookies()
    log_in(parent, "fatima@thuis.example", NEW_PASSWORD)
    expect(parent.locator(".cards")).to_have_text(re.compile(r"^\s*Groep 7\s*$"))
    parent.get_by_role("link", name="Mijn kinderen (thuis inloggen)").click()
    expect(parent.get_by_role("link", name="Yasmin", exact=True)).to_be_visible()


def test_a_substitute_loses_access_after_the_end_date(new_page, assert_accessible, live_server, db,
                                                      time_machine):
    time_machine.move_to(datetime.datetime(2027, 3, 1, 8, 0, tzinfo=AMSTERDAM))
    school = SchoolFactory(name="OBS De Regenboog")
    group = GroupFactory(school=school, name="Groep 5a")
    PupilFactory(group=group, first_name="Emma")
    TeacherFactory(school=school, groups=[group], user__username="juf")

    # The teacher gives a substitute the group, in two clicks.
    page = new_page()
    log_in(page, "juf")
    page.get_by_role("link", name="Groep 5a").click()
    page.get_by_role("link", name="Invalkracht toegang geven").click()
    page.get_by_label("E-mailadres").fill("rik@invallers.example")
    page.get_by_label("Voornaam").fill("Rik")
    page.get_by_label("Tot en met").fill("2027-03-05")
    assert_accessible(page)
    page.get_by_role("button", name="Toegang geven").click()
    expect(page.get_by_text("Invalkrachten: Rik")).to_be_visible()

    rik = school.teachers.get(role="invalkracht").user
    rik.set_password(NEW_PASSWORD)
    rik.save()
    substitute = new_page()
    log_in(substitute, "rik@invallers.example", NEW_PASSWORD)
    expect(substitute.locator(".cards")).to_have_text(re.compile(r"^\s*Groep 5a\s*$"))
    substitute.get_by_role("link", name="Groep 5a").click()
    expect(substitute.get_by_text("Emma")).to_be_visible()

    # The day after the end date: the open page stops working, and so does the password.
    time_machine.move_to(datetime.datetime(2027, 3, 6, 8, 0, tzinfo=AMSTERDAM))
    substitute.reload()
    expect(substitute.get_by_role("heading", name="Inloggen voor leerkrachten")).to_be_visible()
    log_in(substitute, "rik@invallers.example", NEW_PASSWORD)
    expect(substitute.get_by_role("alert")).to_contain_text("horen niet bij elkaar")


def test_an_ict_coordinator_cannot_get_in_without_the_second_step(new_page, assert_accessible, db):
    school = SchoolFactory(name="OBS De Regenboog")
    TeacherFactory(school=school, role="ict_coordinator", user__username="ict")

    # First login: the second step is set up before anything else.
    page = new_page()
    log_in(page, "ict")
    expect(page.get_by_role("heading", name="Tweede stap instellen")).to_be_visible()
    expect(page.get_by_alt_text("QR-code voor de authenticator-app")).to_be_visible()
    assert_accessible(page)
    page.goto("/leerkracht/beheer/")
    expect(page.get_by_role("heading", name="Tweede stap instellen")).to_be_visible()
    device = TOTPDevice.objects.get(user__username="ict", confirmed=False)
    page.get_by_label("Code").fill(f"{totp(device.bin_key):06d}")
    page.get_by_role("button", name="App koppelen").click()
    expect(page.get_by_role("heading", name="Uw herstelcodes")).to_be_visible()
    recovery = page.locator(".recovery-codes li").first.inner_text()
    assert_accessible(page)
    page.get_by_role("link", name="Ik heb de codes bewaard").click()

    # Next login: the password alone reaches nothing.
    page.context.clear_cookies()
    log_in(page, "ict")
    expect(page.get_by_role("heading", name="Tweede stap")).to_be_visible()
    assert_accessible(page)
    for path in ["/leerkracht/", "/leerkracht/beheer/", "/leerkracht/auditlog/"]:
        page.goto(path)
        expect(page.get_by_role("heading", name="Tweede stap")).to_be_visible()
    page.get_by_label("Code").fill("000000")
    page.get_by_role("button", name="Controleren").click()
    expect(page.get_by_text("Deze code klopt niet")).to_be_visible()
    # A recovery code (phone left at home) gets in, once.
    TOTPDevice.objects.filter(user__username="ict").update(throttling_failure_count=0)
    page.get_by_label("Code").fill(recovery)
    page.get_by_role("button", name="Controleren").click()
    # ...and on to the page that asked for it.
    expect(page.get_by_role("heading", name=re.compile("Auditlog"))).to_be_visible()
    page.goto("/leerkracht/beheer/")
    expect(page.get_by_role("heading", name=re.compile("Schoolbeheer"))).to_be_visible()
