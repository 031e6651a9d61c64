"""ASVS 7: sessions on shared devices end by themselves, rotate at every login step, and leave
nothing for the back button."""

import time

import time_machine
from django.test import Client
from django.utils import timezone

from homelogin.services import issue_home_code
from pupils import session as pupil_session
from tests.factories import GuardianLinkFactory
from tests.helpers import log_in_pupil


def test_an_idle_pupil_session_ends(client, pupil, settings):
    log_in_pupil(client, pupil)
    session = client.session
    session[pupil_session.SEEN] = time.time() - settings.PUPIL_SESSION_IDLE - 1
    session.save()
    assert client.get("/overzicht/")["Location"] == "/"
    assert "_auth_user_id" not in client.session


def test_a_pupil_session_ends_with_the_day(client, pupil):
    log_in_pupil(client, pupil)
    session = client.session
    session[pupil_session.SINCE] = (timezone.localdate() - timezone.timedelta(days=1)).isoformat()
    session.save()
    assert client.get("/overzicht/")["Location"] == "/"


def test_pages_after_login_are_never_stored(client, pupil, teacher):
    log_in_pupil(client, pupil)
    assert "no-store" in client.get("/overzicht/")["Cache-Control"]
    client.force_login(teacher.user)
    for url in ("/leerkracht/", f"/leerkracht/leerling/{pupil.pk}/"):
        assert "no-store" in client.get(url)["Cache-Control"]


def test_back_after_logout_shows_nothing(client, pupil):
    log_in_pupil(client, pupil)
    client.post("/uitloggen/")
    response = client.get("/overzicht/")
    assert response.status_code == 302 and "Emma" not in response.content.decode()


def test_the_session_key_rotates_at_every_login_step(client, pupil, guardian):
    pupil.home_login_enabled = True
    pupil.save()
    GuardianLinkFactory(pupil=pupil, guardian=guardian)
    guardian.set_password("een-lang-wachtwoord-2026")
    guardian.save()
    client.get("/thuis/")
    keys = [client.session.session_key]
    client.post("/thuis/", {"username": "ouder@example.nl", "password": "een-lang-wachtwoord-2026"})
    keys.append(client.session.session_key)
    client.post(f"/thuis/kinderen/{pupil.pk}/", {"pin": "1357"})
    keys.append(client.session.session_key)
    assert len(set(keys)) == 3
    assert int(client.session["_auth_user_id"]) == pupil.user.pk


def test_deactivating_a_pupil_ends_their_session(client, pupil):
    log_in_pupil(client, pupil)
    type(pupil).objects.filter(pk=pupil.pk).update(active=False)
    client.get("/overzicht/")
    assert "_auth_user_id" not in client.session


def test_switching_home_login_off_ends_home_sessions_only(client, pupil):
    pupil.home_login_enabled = True
    pupil.save()
    log_in_pupil(client, pupil, gate="home")
    school = Client()
    log_in_pupil(school, pupil, gate="school")
    type(pupil).objects.filter(pk=pupil.pk).update(home_login_enabled=False)
    client.get("/overzicht/")
    school.get("/overzicht/")
    assert "_auth_user_id" not in client.session
    assert "_auth_user_id" in school.session


def test_reissuing_the_code_ends_the_session_that_came_in_with_it(client, pupil):
    pupil.home_login_enabled = True
    pupil.save()
    client.post("/thuis/code/", {"code": issue_home_code(pupil=pupil)})
    client.post(f"/thuis/apparaat/leerling/{pupil.pk}/", {"pin": "1357"})
    assert client.get("/overzicht/").status_code == 200
    issue_home_code(pupil=pupil)
    assert client.get("/overzicht/")["Location"] == "/"
    assert "_auth_user_id" not in client.session


# A clock that steps backwards (a server's clock corrected, a virtual machine restored) must not
# stretch a session's limits by the size of the step: the session ends instead, the safe way.


def test_a_backward_clock_step_ends_a_pupil_session(client, pupil):
    with time_machine.travel("2026-03-02 10:00 +01:00", tick=False) as clock:
        log_in_pupil(client, pupil)
        assert client.get("/overzicht/").status_code == 200
        clock.move_to("2026-03-02 09:00 +01:00")  # an hour back: 80 idle minutes would be fine
        assert client.get("/overzicht/")["Location"] == "/"
        assert "_auth_user_id" not in client.session


def test_a_backward_clock_step_ends_a_teachers_session(client, teacher):
    with time_machine.travel("2026-03-02 10:00 +01:00", tick=False) as clock:
        client.force_login(teacher.user)
        assert client.get("/leerkracht/").status_code == 200
        clock.move_to("2026-03-02 09:00 +01:00")
        assert client.get("/leerkracht/").status_code == 302
        assert "_auth_user_id" not in client.session


def test_a_clock_a_second_behind_ends_nothing(client, pupil, teacher):
    # Two app servers' clocks differ by a little; a request on the slower one must not log out.
    with time_machine.travel("2026-03-02 10:00 +01:00", tick=False) as clock:
        log_in_pupil(client, pupil)
        clock.shift(-2)
        assert client.get("/overzicht/").status_code == 200
        client.force_login(teacher.user)
        clock.shift(-2)
        assert client.get("/leerkracht/").status_code == 200
