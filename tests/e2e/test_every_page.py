"""Every page a pupil, parent or teacher can reach, in Dutch and in Arabic (right to left), on a
320 px phone and a 1024 px tablet: axe-core finds nothing (with WCAG 2.2's target size of 24 px
switched on), on a pupil's pages every target is at least 44 x 44 px, and no page scrolls
sideways at 320 px. Logged-in states start from cookies a Django test client got by logging in
the usual way."""

from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from homelogin.services import issue_home_code, set_password_url
from teachers.staff import set_password_url as staff_password_url
from tests.factories import (
    GroupFactory,
    GuardianFactory,
    GuardianLinkFactory,
    LicenceFactory,
    PupilFactory,
    SchoolFactory,
    SoftwareFactory,
    TeacherFactory,
)
from tests.helpers import log_in_staff

PASSWORD = "correct-horse-battery"
PUPILS_CSV = Path(__file__).resolve().parents[1] / "data" / "pupils.csv"
# axe-core leaves WCAG 2.2's target size (24 x 24 px, or that much room around) off by default.
AXE_OPTIONS = {"resultTypes": ["violations"], "rules": {"target-size": {"enabled": True}}}
# The pages a pupil works on alone: tiles, PIN pad, picture grid, software overview. Small
# hands on a tablet need targets of 44 x 44 px there, whatever the page's other rules.
PUPIL_PAGES = {
    "children's tiles", "child's PIN at home", "child's pictures at home", "home device tiles",
    "home page with tiles", "PIN on a home device", "classroom tiles", "classroom pictures",
    "wrong PIN", "software overview", "locked pupil's PIN pad", "PIN pad slowed down",
    "software not licensed",
}
SMALL_TARGETS = """() => [...document.querySelectorAll(
    'a[href], button, input:not([type=hidden]), select, textarea, summary, [role=button], [tabindex="0"]')]
  .filter(e => e.getClientRects().length && getComputedStyle(e).visibility !== 'hidden')
  .map(e => [e, e.getBoundingClientRect()])
  .filter(([, r]) => r.width > 1 && r.height > 1 && (r.width < 43.5 || r.height < 43.5))
  .map(([e, r]) => `${e.outerHTML.slice(0, 90)} ${Math.round(r.width)} x ${Math.round(r.height)}`)"""


@pytest.fixture
def world(db, live_server, settings):
    settings.SITE_URL = live_server.url
    school = SchoolFactory(name="OBS De Regenboog")
    group = GroupFactory(school=school, name="Groep 5a")
    teacher = TeacherFactory(school=school, groups=[group], user__username="juf")
    admin = TeacherFactory(school=school, role="ict_coordinator", user__username="ict")
    emma = PupilFactory(group=group, first_name="Emma", last_name="Vries", pin="1357",
                        home_login_enabled=True)
    daan = PupilFactory(group=group, first_name="Daan", last_name="Spellingsterrenbaan",
                        pictures=["hond", "appel", "fiets"], home_login_enabled=True)
    for name in ["Sem", "Sem", "Noor", "Bram"]:
        PupilFactory(group=group, first_name=name)
    parent = GuardianFactory(username="ouder.met.een.lang.adres@voorbeeld-gemeente.example.nl")
    link = GuardianLinkFactory(guardian=parent, pupil=emma)
    GuardianLinkFactory(guardian=parent, pupil=daan)
    licence = LicenceFactory(school=school, software__name="Spellingsterren", home_use=True)
    return {"school": school, "group": group, "teacher": teacher, "admin": admin, "emma": emma,
            "daan": daan, "parent": parent, "link": link, "licence": licence}


def cookies_of(client, url):
    return [{"name": name, "value": morsel.value, "url": url} for name, morsel in client.cookies.items()]


def as_user(user):
    client = Client()
    log_in_staff(client, user)  # a plain force_login for anyone without a second step
    return client


def classroom(world):
    client = as_user(world["teacher"].user)
    client.post("/klas/instellen/", {"group": world["group"].pk})
    return client


def home_device(world):
    client = Client()
    client.post("/thuis/code/", {"code": issue_home_code(pupil=world["emma"])})
    return client


def pupil_logged_in(world):
    client = classroom(world)
    client.post(f"/klas/leerling/{world['emma'].pk}/", {"pin": "1357"})
    return client


def fail_pins(client, pupils, times):
    """``times`` wrong PINs from ``client``'s classroom device, taking ``pupils`` in turn."""
    for n in range(times):
        client.post(f"/klas/leerling/{pupils[n % len(pupils)].pk}/", {"pin": "0000"})
    return client


def locked_teacher(world):
    for _ in range(10):
        Client().post("/leerkracht/inloggen/", {"username": "juf", "password": "fout"})
    return Client()


def submit(page, button):
    """Click a button that sends a form, and wait for the page it leads to: waiting for the
    load state alone can return before the navigation starts, and axe then runs on a page
    that goes away under it."""
    with page.expect_navigation():
        button.click()


def wrong_pin(page):
    # The pad sends itself once four digits are in.
    with page.expect_navigation():
        page.locator("input[name=pin]").fill("2468")


def states(world):
    """(description, who, path, then): ``who`` makes the cookies, ``then`` acts on the page."""
    emma, daan, group, link = world["emma"], world["daan"], world["group"], world["link"]
    invited = GuardianFactory(password=None)
    GuardianLinkFactory(guardian=invited, pupil=emma)
    lotte = PupilFactory(group=group, first_name="Lotte", pin="2580")  # locked on the classroom device
    fleur, jip = PupilFactory(group=group, first_name="Fleur"), PupilFactory(group=group, first_name="Jip")
    two_schools = TeacherFactory(school=world["school"], groups=[group], user__username="meester")
    TeacherFactory(user=two_schools.user, school=SchoolFactory(name="Christelijke Basisschool De Wegwijzer"))
    with_app = TeacherFactory(school=world["school"], role="ib_rt", user__username="ib")
    TOTPDevice.objects.create(user=with_app.user, name="telefoon", confirmed=True)
    not_licensed = SoftwareFactory(name="Rekenraket")

    def password_only(user):
        def client(world):
            client = Client()
            client.force_login(user)  # the password, not yet the second step
            return client
        return client

    def tick_and(action):
        def then(page):
            page.locator(f"#kies-{emma.pk}").check()
            submit(page, page.locator(f"button[name=action][value={action}]"))
        return then

    def upload(page):
        page.locator("input[type=file]").set_input_files(PUPILS_CSV)
        submit(page, page.locator("main form button[type=submit]").last)
        expect(page.locator("[data-import-job]")).to_have_count(0, timeout=20_000)

    wrong_code = lambda page: (page.locator("input[name=code]").fill("AAAA-BBBB-CCCC"),  # noqa: E731
                               submit(page, page.locator("form.form button")))
    return [
        ("home page", None, "/", None),
        ("parent login", None, "/thuis/", None),
        ("forgot password", None, "/thuis/vergeten/", None),
        ("forgot password, sent", None, "/thuis/vergeten/",
         lambda page: (page.locator("input[name=email]").fill("iemand@example.nl"),
                       submit(page, page.locator("form.form button")))),
        ("parent login, wrong password", None, "/thuis/",
         lambda page: (page.locator("input[name=username]").fill(world["parent"].username),
                       page.locator("input[name=password]").fill("niet-het-wachtwoord"),
                       submit(page, page.locator("main form button[type=submit]").first))),
        ("help", None, "/thuis/hulp/", None),
        ("code entry", None, "/thuis/code/", None),
        ("code entry, wrong code", None, "/thuis/code/", wrong_code),
        ("set password", None, set_password_url(invited).removeprefix(django_settings.SITE_URL), None),
        ("set password, used link", None, "/thuis/wachtwoord/MQ/set-password/", None),
        ("not a classroom device", None, "/klas/", None),
        ("teacher login", None, "/leerkracht/inloggen/", None),
        ("404", None, "/bestaat-niet/", None),
        ("lockout", locked_teacher, "/leerkracht/inloggen/",
         lambda page: (page.locator("input[name=username]").fill("juf"),
                       page.locator("input[name=password]").fill("fout"),
                       submit(page, page.locator("main form button")))),
        ("children's tiles", world["parent"], "/thuis/kinderen/", None),
        ("child's PIN at home", world["parent"], f"/thuis/kinderen/{emma.pk}/", None),
        ("child's pictures at home", world["parent"], f"/thuis/kinderen/{daan.pk}/",
         lambda page: page.locator("button.picture").first.click()),
        ("403 for a parent", world["parent"], "/leerkracht/", None),
        ("home device tiles", home_device, "/thuis/apparaat/", None),
        ("home page with tiles", home_device, "/", None),
        ("PIN on a home device", home_device, f"/thuis/apparaat/leerling/{emma.pk}/",
         lambda page: page.get_by_role("button", name="1", exact=True).click()),
        ("classroom tiles", classroom, "/klas/", None),
        ("classroom pictures", classroom, f"/klas/leerling/{daan.pk}/", None),
        ("wrong PIN", classroom, f"/klas/leerling/{emma.pk}/",
         wrong_pin),
        ("software overview", pupil_logged_in, "/overzicht/", None),
        ("software not licensed", pupil_logged_in, f"/software/{not_licensed.slug}/start/", None),
        ("locked pupil's PIN pad", lambda world: fail_pins(classroom(world), [lotte], 10),
         f"/klas/leerling/{lotte.pk}/", None),
        ("PIN pad slowed down", lambda world: fail_pins(classroom(world), [fleur, jip], 15),
         f"/klas/leerling/{jip.pk}/", wrong_pin),
        ("my groups", world["teacher"].user, "/leerkracht/", None),
        ("classroom set-up", world["teacher"].user, "/klas/", None),
        ("group page", world["teacher"].user, f"/leerkracht/groep/{group.pk}/", None),
        ("group page with a message", world["teacher"].user, f"/leerkracht/leerling/{emma.pk}/",
         lambda page: submit(page, page.get_by_role("button", name="Thuis inloggen uitzetten"))),
        ("pupil page", world["teacher"].user, f"/leerkracht/leerling/{daan.pk}/", None),
        ("new PIN shown once", world["teacher"].user, f"/leerkracht/leerling/{emma.pk}/",
         lambda page: submit(page, page.get_by_role("button", name="PIN opslaan"))),
        ("remove a parent's address", world["teacher"].user,
         f"/leerkracht/leerling/{emma.pk}/ouders/{link.pk}/verwijderen/", None),
        ("print codes?", world["teacher"].user, f"/leerkracht/groep/{group.pk}/codes/", None),
        ("code cards", world["teacher"].user, f"/leerkracht/groep/{group.pk}/codes/",
         lambda page: submit(page, page.get_by_role("button", name="Nieuwe codes maken en afdrukken"))),
        ("one pupil's codes?", world["teacher"].user, f"/leerkracht/leerling/{emma.pk}/code/", None),
        ("new PINs for the ticked pupils", world["teacher"].user, f"/leerkracht/groep/{group.pk}/",
         tick_and("pins")),
        ("audit log", world["admin"].user, "/leerkracht/auditlog/", None),
        ("import", world["admin"].user, "/leerkracht/import/", None),
        ("import preview", world["admin"].user, "/leerkracht/import/", upload),
        ("choose a school", two_schools.user, "/leerkracht/school/", None),
        ("second step", password_only(with_app.user), "/leerkracht/tweede-stap/", None),
        ("new recovery codes", world["admin"].user, "/leerkracht/account/",
         lambda page: submit(page, page.locator("form:has(input[value=recovery]) button"))),
        ("staff forgot password", None, "/leerkracht/wachtwoord-vergeten/", None),
        ("staff set password", None,
         staff_password_url(world["teacher"].user).removeprefix(django_settings.SITE_URL), None),
        ("substitute", world["teacher"].user, f"/leerkracht/groep/{group.pk}/invalkracht/", None),
        ("my account", world["teacher"].user, "/leerkracht/account/", None),
        ("second step set-up", world["teacher"].user, "/leerkracht/tweede-stap/instellen/", None),
        ("school administration", world["admin"].user, "/leerkracht/beheer/", None),
        ("staff", world["admin"].user, "/leerkracht/beheer/medewerkers/", None),
        ("add staff", world["admin"].user, "/leerkracht/beheer/medewerkers/nieuw/", None),
        ("edit staff", world["admin"].user, f"/leerkracht/beheer/medewerkers/{world['teacher'].pk}/", None),
        ("school details", world["admin"].user, "/leerkracht/beheer/school/", None),
        ("licences", world["admin"].user, "/leerkracht/beheer/licenties/", None),
        ("edit licence", world["admin"].user, f"/leerkracht/beheer/licenties/{world['licence'].pk}/", None),
        ("classroom devices", world["admin"].user, "/leerkracht/beheer/klassencomputers/", None),
        # The parent's own pages (after the states above made home devices).
        ("parent's devices", world["parent"], "/thuis/apparaten/", None),
        ("rescue code, asked", world["parent"], f"/thuis/kinderen/{daan.pk}/reservecode/", None),
        ("rescue code, shown", world["parent"], f"/thuis/kinderen/{daan.pk}/reservecode/",
         lambda page: submit(page, page.locator("main form button"))),
        ("what publishers know", world["parent"], f"/thuis/kinderen/{emma.pk}/uitgevers/", None),
        ("teacher's rescue code", world["teacher"].user, f"/leerkracht/leerling/{daan.pk}/",
         lambda page: submit(page, page.locator("form[action$='/reservecode/'] button"))),
        ("publishers", world["admin"].user, "/leerkracht/beheer/uitgevers/", None),
    ]


@pytest.mark.parametrize("language", ["nl", "ar"])
@pytest.mark.parametrize("width", [320, 1024])
def test_every_page_is_accessible_and_fits(browser, live_server, axe, world, language, width):
    failures = []
    for description, who, path, then in states(world):
        if callable(who):
            client = who(world)
        elif who is not None:
            client = as_user(who)
        else:
            client = Client()
        context = browser.new_context(base_url=live_server.url, viewport={"width": width, "height": 800})
        context.set_default_timeout(10_000)
        context.add_cookies(cookies_of(client, live_server.url) + [
            {"name": django_settings.LANGUAGE_COOKIE_NAME, "value": language, "url": live_server.url}
        ])
        page = context.new_page()
        page.goto(path)
        if then:
            then(page)
        # Teachers' pages exist in Dutch and English only: Dutch, left to right, in Arabic too.
        staff_page = page.url.removeprefix(live_server.url).startswith(django_settings.STAFF_PATH)
        expect(page.locator("html")).to_have_attribute(
            "dir", "rtl" if language == "ar" and not staff_page else "ltr")
        results = axe.run(page, options=AXE_OPTIONS)
        if results.violations_count:
            failures.append(f"{description} ({path}): {results.generate_report()}")
        if description in PUPIL_PAGES:
            small = page.evaluate(SMALL_TARGETS)
            if small:
                failures.append(f"{description} ({path}): targets under 44 x 44 px: {small}")
        if width == 320:
            wide = page.evaluate(
                "document.documentElement.scrollWidth - document.documentElement.clientWidth"
            )
            if wide > 0:
                failures.append(f"{description} ({path}): {wide} px sideways scroll at 320 px")
        context.close()
    assert failures == [], "\n".join(failures)


def test_the_group_table_fits_an_ipad_held_upright(browser, live_server, world):
    """At 768 px (an iPad in portrait) the teacher sees the whole group table, e-mail addresses
    included, without scrolling it sideways."""
    context = browser.new_context(base_url=live_server.url, viewport={"width": 768, "height": 1024})
    context.add_cookies(cookies_of(as_user(world["teacher"].user), live_server.url))
    page = context.new_page()
    page.goto(f"/leerkracht/groep/{world['group'].pk}/")
    expect(page.get_by_text(world["parent"].username).first).to_be_visible()
    region = page.locator(".table-scroll")
    assert region.evaluate("e => e.scrollWidth - e.clientWidth") <= 0
    context.close()
