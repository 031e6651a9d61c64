"""The parents' login on /thuis/: e-mail + password, "Onthoud mijn gebruikersnaam", lockout."""

import re

import pytest
from axes.models import AccessAttempt

from homelogin.guardian_views import REMEMBER_COOKIE
from tests.factories import GuardianFactory

URL = "/thuis/"
PASSWORD = "correct-horse-battery"  # UserFactory's
WRONG = "Dit e-mailadres en dit wachtwoord horen niet bij elkaar."
LOCKED = "Inloggen met dit e-mailadres is daarom 1 uur geblokkeerd."


def without_csrf(response):
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())


def log_in(client, username, password=PASSWORD, **extra):
    return client.post(URL, {"username": username, "password": password, **extra})


def test_login_page_has_the_steps_and_labels_of_the_instruction_sheet(client, db):
    response = client.get(URL)
    page = response.content.decode()
    assert response.status_code == 200
    for text in ["Thuisgebruik login", "Problemen met inloggen? Raadpleeg de leerkracht van uw kind.",
                 "Gebruikersnaam (e-mailadres)", "Wachtwoord", "Onthoud mijn gebruikersnaam",
                 "Inloggen", "Gebruikersnaam of wachtwoord vergeten"]:
        assert text in page
    assert 'href="/thuis/vergeten/"' in page
    assert 'autocomplete="username"' in page and 'autocomplete="current-password"' in page


def test_home_page_links_to_the_parents_login(client, db):
    assert 'href="/thuis/"' in client.get("/").content.decode()


def test_right_password_logs_in_with_a_new_session_key(client, guardian):
    client.get(URL)
    before = client.session.session_key
    response = log_in(client, "ouder@example.nl")
    assert response.status_code == 302 and response["Location"] == "/thuis/kinderen/"
    assert client.session.session_key != before
    assert int(client.session["_auth_user_id"]) == guardian.pk


@pytest.mark.parametrize("typed", ["Ouder@Example.NL", "  ouder@example.nl ", "OUDER@EXAMPLE.NL\t"])
def test_case_and_surrounding_spaces_do_not_matter(client, guardian, typed):
    assert log_in(client, typed)["Location"] == "/thuis/kinderen/"


def test_wrong_password_gets_the_generic_message(client, guardian):
    response = log_in(client, "ouder@example.nl", "wrong-password")
    assert response.status_code == 400
    assert WRONG in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_unknown_address_gets_the_same_message(client, guardian):
    known = log_in(client, "ouder@example.nl", "wrong-password")
    unknown = log_in(client, "niemand@example.nl", "wrong-password")
    assert unknown.status_code == known.status_code == 400
    assert WRONG in unknown.content.decode()


def test_a_teachers_or_pupils_account_cannot_log_in_here(client, teacher, pupil):
    # The teacher's right password gets exactly the answer a wrong one gets, and counts as one.
    response = log_in(client, "juf")
    assert response.status_code == 400 and WRONG in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert AccessAttempt.objects.get(username="guardian:juf").failures_since_start == 1
    response = log_in(client, pupil.user.username)
    assert response.status_code == 400 and WRONG in response.content.decode()


def test_an_inactive_parent_cannot_log_in(client, db):
    GuardianFactory(username="weg@example.nl", is_active=False)
    response = log_in(client, "weg@example.nl")
    assert response.status_code == 400 and WRONG in response.content.decode()


@pytest.mark.parametrize("data", [
    {},
    {"username": "", "password": ""},
    {"username": "ouder@example.nl", "password": ""},
    {"username": "a" * 300, "password": "x"},
    {"username": "x" * 290 + "@example.nl", "password": PASSWORD},
])
def test_bad_input_is_a_dutch_400_and_not_counted(client, guardian, data):
    response = client.post(URL, data)
    assert response.status_code == 400
    page = response.content.decode()
    assert "Vul uw" in page or "tekens" in page
    assert not AccessAttempt.objects.exists()


def test_remember_my_username_sets_a_cookie_with_only_the_address(client, guardian):
    response = log_in(client, " Ouder@Example.nl", remember="on")
    cookie = response.cookies[REMEMBER_COOKIE]
    assert cookie.value == "ouder@example.nl"
    assert cookie["httponly"] and cookie["samesite"] == "Lax"
    assert cookie["max-age"] >= 300 * 24 * 3600
    assert PASSWORD not in str(response.cookies)

    client.post("/thuis/uitloggen/")
    page = client.get(URL).content.decode()
    assert 'value="ouder@example.nl"' in page
    assert 'name="remember" checked' in page or "checked" in page.split('name="remember"')[1][:40]


def test_remember_cookie_is_secure_like_the_session_cookie(client, guardian, settings):
    settings.SESSION_COOKIE_SECURE = True
    cookie = log_in(client, "ouder@example.nl", remember="on").cookies[f"__Host-{REMEMBER_COOKIE}"]
    assert cookie["secure"] and cookie["httponly"] and cookie["path"] == "/"


def test_unticked_forgets_the_username(client, guardian):
    log_in(client, "ouder@example.nl", remember="on")
    client.post("/thuis/uitloggen/")
    response = log_in(client, "ouder@example.nl")
    assert response.cookies[REMEMBER_COOKIE].value == ""
    assert response.cookies[REMEMBER_COOKIE]["max-age"] == 0
    client.post("/thuis/uitloggen/")
    assert "ouder@example.nl" not in client.get(URL).content.decode()


def test_a_logged_in_parent_goes_straight_to_the_children(client, guardian):
    client.force_login(guardian)
    assert client.get(URL)["Location"] == "/thuis/kinderen/"


def test_logout_ends_the_parents_session(client, guardian):
    client.force_login(guardian)
    assert client.get("/thuis/uitloggen/").status_code == 405
    response = client.post("/thuis/uitloggen/")
    assert response["Location"] == "/thuis/"
    assert "_auth_user_id" not in client.session


# Lockout: 10 failures for one address lock it for an hour, whether the address exists or not.


def test_ten_wrong_passwords_lock_and_the_right_one_is_then_refused(client, guardian):
    for attempt in range(9):
        response = log_in(client, "ouder@example.nl", f"wrong-{attempt}")
        assert response.status_code == 400
    response = log_in(client, "ouder@example.nl", "wrong-9")
    assert response.status_code == 429
    assert LOCKED in response.content.decode()

    response = log_in(client, "ouder@example.nl")
    assert response.status_code == 429
    assert LOCKED in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_an_unknown_address_locks_the_same_way(client, guardian):
    for attempt in range(10):
        unknown = log_in(client, "niemand@example.nl", f"wrong-{attempt}")
        known = log_in(client, "ouder@example.nl", f"wrong-{attempt}")
    assert unknown.status_code == known.status_code == 429
    assert without_csrf(unknown).replace("niemand@", "ouder@") == without_csrf(known)


def test_the_lock_is_per_address_and_counts_the_address_however_typed(client, guardian):
    other = GuardianFactory(username="ander@example.nl")
    for attempt in range(5):
        log_in(client, "Ouder@Example.nl", f"wrong-{attempt}")
        log_in(client, " ouder@example.nl ", f"wrong-{attempt}b")
    assert log_in(client, "ouder@example.nl").status_code == 429
    assert log_in(client, other.username)["Location"] == "/thuis/kinderen/"


def test_a_success_resets_the_count(client, guardian):
    for attempt in range(9):
        log_in(client, "ouder@example.nl", f"wrong-{attempt}")
    assert log_in(client, "ouder@example.nl").status_code == 302
    client.post("/thuis/uitloggen/")
    assert log_in(client, "ouder@example.nl", "wrong-again").status_code == 400


def test_failed_attempts_never_store_the_password(client, guardian):
    log_in(client, "ouder@example.nl", "my-secret-typo")
    attempt = AccessAttempt.objects.get()
    assert "my-secret-typo" not in attempt.post_data
    assert attempt.username == "guardian:ouder@example.nl"
