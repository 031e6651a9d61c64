import re

from django.test import Client
from playwright.sync_api import expect

from tests.factories import PupilFactory, TeacherFactory
from tests.helpers import app_code


def log_in(page, teacher):
    needs_app = teacher.role in ("ib_rt", "ict_coordinator")
    code = app_code(teacher.user) if needs_app else None
    page.goto("/leerkracht/inloggen/")
    page.get_by_label("Gebruikersnaam").fill(teacher.user.username)
    page.get_by_label("Wachtwoord").fill("correct-horse-battery")
    page.get_by_role("button", name="Inloggen").click()
    if needs_app:
        page.get_by_label("Code").fill(code)
        page.get_by_role("button", name="Controleren").click()


def test_select_three_pupils_switch_home_login_on_and_print(page, assert_accessible, db):
    first = PupilFactory(first_name="Anna")
    group = first.group
    pupils = [first] + [PupilFactory(group=group, first_name=name) for name in ["Bram", "Cas", "Dewi"]]
    teacher = TeacherFactory(school=group.school, groups=[group])

    log_in(page, teacher)
    page.get_by_role("link", name=group.name).click()
    assert_accessible(page)
    for pupil in pupils[:3]:
        page.get_by_label(f"{pupil.full_name} kiezen").check()
    page.get_by_role("button", name="Thuis inloggen aan").click()
    expect(page.get_by_role("status").or_(page.locator(".messages"))).to_contain_text("3 leerlingen")

    for pupil in pupils[:3]:
        page.get_by_label(f"{pupil.full_name} kiezen").check()
    page.get_by_role("button", name="Thuis login codes afdrukken").click()
    expect(page.get_by_text("De oude codes werken dan niet meer")).to_be_visible()
    page.get_by_role("button", name="Nieuwe codes maken en afdrukken").click()
    cards = page.locator("[data-code]")
    expect(cards).to_have_count(3)
    assert re.fullmatch(r"[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}", cards.first.inner_text())
    assert_accessible(page)


def test_ontgrendelen_lifts_a_lock_made_by_ten_wrong_pins(page, assert_accessible, db):
    emma = PupilFactory(first_name="Emma", pin="1357")
    teacher = TeacherFactory(school=emma.school, groups=[emma.group])
    classroom = Client()
    classroom.force_login(teacher.user)
    classroom.post("/klas/instellen/", {"group": emma.group.pk})
    for n in range(10):
        classroom.post(f"/klas/leerling/{emma.pk}/", {"pin": f"{n:04d}"})

    log_in(page, teacher)
    page.get_by_role("link", name=emma.group.name).click()
    locked = page.get_by_role("region", name="Geblokkeerde leerlingen")
    expect(locked).to_contain_text(emma.full_name)
    assert_accessible(page)
    locked.get_by_role("button", name=f"{emma.full_name} ontgrendelen").click()
    expect(page.get_by_role("region", name="Geblokkeerde leerlingen")).to_have_count(0)
    assert classroom.post(f"/klas/leerling/{emma.pk}/", {"pin": "1357"}).status_code == 302


def test_pupil_page_is_accessible(page, assert_accessible, db):
    emma = PupilFactory(first_name="Emma", home_login_enabled=True)
    teacher = TeacherFactory(school=emma.school, groups=[emma.group])
    log_in(page, teacher)
    page.goto(f"/leerkracht/leerling/{emma.pk}/")
    expect(page.get_by_role("heading", name="Thuis inloggen")).to_be_visible()
    assert_accessible(page)


def test_removing_a_parents_address_asks_first(page, assert_accessible, db):
    from homelogin.models import GuardianLink
    from tests.factories import GuardianLinkFactory

    emma = PupilFactory(first_name="Emma")
    GuardianLinkFactory(pupil=emma, guardian__username="ouder@example.nl")
    teacher = TeacherFactory(school=emma.school, groups=[emma.group])
    log_in(page, teacher)
    page.goto(f"/leerkracht/leerling/{emma.pk}/")
    page.get_by_role("link", name="Verwijderen ouder@example.nl").click()
    expect(page.get_by_role("heading", name="E-mailadres verwijderen?")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Annuleren").click()
    assert GuardianLink.objects.filter(pupil=emma).exists()
    page.get_by_role("link", name="Verwijderen ouder@example.nl").click()
    page.get_by_role("button", name="Ja, verwijderen").click()
    expect(page.get_by_role("status")).to_contain_text("ouder@example.nl is verwijderd bij Emma")
    assert not GuardianLink.objects.filter(pupil=emma).exists()


def test_a_teacher_gives_a_pupil_another_tile_picture(page, db):
    emma = PupilFactory(first_name="Emma", tile_picture="zon")
    teacher = TeacherFactory(school=emma.school, groups=[emma.group])
    log_in(page, teacher)
    page.goto(f"/leerkracht/leerling/{emma.pk}/")
    page.get_by_label("regenboog").check()
    page.get_by_role("button", name="Plaatje opslaan").click()
    expect(page.get_by_role("status")).to_contain_text("De naamtegel van Emma heeft een nieuw plaatje.")
    emma.refresh_from_db()
    assert emma.tile_picture == "regenboog"
