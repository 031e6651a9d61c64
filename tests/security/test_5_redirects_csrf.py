"""ASVS 3.5 / 5.1.5: no open redirects, no state change over GET, CSRF on every form."""

import pytest
from django.test import Client

from tests.factories import GuardianLinkFactory
from tests.helpers import connect

EVIL = ["https://evil.example/", "//evil.example/", "/\\evil.example", "https:evil.example"]


@pytest.mark.parametrize("target", EVIL)
def test_teacher_login_next_stays_on_the_site(client, teacher, target):
    response = client.post("/leerkracht/inloggen/", {
        "username": "juf", "password": "correct-horse-battery", "next": target})
    assert response["Location"] == "/leerkracht/"


@pytest.mark.parametrize("target", EVIL)
def test_unlock_next_stays_on_the_site(client, teacher, pupil, target):
    client.force_login(teacher.user)
    response = client.post(f"/leerkracht/leerling/{pupil.pk}/ontgrendelen/", {"next": target})
    assert "evil" not in response["Location"]


@pytest.mark.parametrize("target", EVIL)
def test_language_switch_next_stays_on_the_site(client, db, target):
    response = client.post("/i18n/setlang/", {"language": "en", "next": target})
    assert "evil" not in response["Location"]


POSTS = ["/klas/instellen/", "/klas/loskoppelen/", "/uitloggen/", "/thuis/code/", "/thuis/",
         "/thuis/vergeten/", "/thuis/uitloggen/", "/leerkracht/inloggen/", "/leerkracht/uitloggen/",
         "/leerkracht/leerling/{pupil}/wachtwoord/", "/leerkracht/leerling/{pupil}/thuis/",
         "/leerkracht/leerling/{pupil}/ontgrendelen/", "/leerkracht/leerling/{pupil}/code/",
         "/leerkracht/leerling/{pupil}/code/mailen/", "/leerkracht/leerling/{pupil}/ouders/",
         "/leerkracht/leerling/{pupil}/apparaten/intrekken/", "/leerkracht/groep/{group}/codes/",
         "/leerkracht/groep/{group}/bulk/", "/leerkracht/import/", "/klas/leerling/{pupil}/"]


@pytest.mark.parametrize("url", POSTS)
def test_every_form_needs_its_csrf_token(teacher, pupil, group, url):
    client = Client(enforce_csrf_checks=True)
    client.force_login(teacher.user)
    response = client.post(url.format(pupil=pupil.pk, group=group.pk), {"enabled": "1"})
    assert response.status_code == 403
    assert "Pagina verlopen" in response.content.decode()


@pytest.mark.parametrize("url", ["/klas/instellen/", "/klas/loskoppelen/", "/uitloggen/",
                                 "/thuis/uitloggen/", "/leerkracht/leerling/{pupil}/thuis/",
                                 "/leerkracht/leerling/{pupil}/ontgrendelen/",
                                 "/leerkracht/leerling/{pupil}/code/mailen/",
                                 "/leerkracht/leerling/{pupil}/apparaten/intrekken/",
                                 "/leerkracht/groep/{group}/bulk/"])
def test_no_state_change_over_get(client, teacher, pupil, group, url):
    client.force_login(teacher.user)
    assert client.get(url.format(pupil=pupil.pk, group=group.pk)).status_code == 405


def test_removing_a_parent_address_needs_a_confirmed_post(client, teacher, pupil):
    link = GuardianLinkFactory(pupil=pupil)
    client.force_login(teacher.user)
    url = f"/leerkracht/leerling/{pupil.pk}/ouders/{link.pk}/verwijderen/"
    assert client.get(url, {"confirmed": "1"}).status_code == 200  # only shows the question
    assert client.post(url).status_code == 200
    assert pupil.guardian_links.count() == 1


def test_a_cross_site_form_cannot_log_a_pupil_in(client, teacher, group, pupil):
    connect(client, teacher, group)
    device = Client(enforce_csrf_checks=True)
    device.cookies = client.cookies  # the classroom cookie is there; the attacker's page has no token
    assert "Emma" in device.get("/klas/").content.decode()
    assert device.post(f"/klas/leerling/{pupil.pk}/", {"pin": "1357"}).status_code == 403
    assert "_auth_user_id" not in device.session
