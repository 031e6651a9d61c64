"""/thuis/wachtwoord/<uidb64>/<token>/: the link from the invitation or "forgot" mail."""

from datetime import datetime, timedelta

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.tokens import default_token_generator

from homelogin.services import set_password_url
from tests.factories import GuardianFactory

NEW = "zonnebloem-fiets-42"
USED = "Deze link werkt niet meer"


@pytest.fixture
def invited(db):
    """A parent the teacher just entered: no usable password yet."""
    return GuardianFactory(username="nieuw@example.nl", password=None)


def path_of(guardian):
    return set_password_url(guardian).removeprefix("http://127.0.0.1:8000")


def open_link(client, guardian):
    """Follow the mail's link; Django moves the token into the session. Returns the form URL."""
    response = client.get(path_of(guardian))
    assert response.status_code == 302
    return response["Location"]


def set_password(client, url, first=NEW, second=None):
    return client.post(url, {"new_password1": first, "new_password2": second or first})


def test_links_last_three_days_by_default(settings):
    assert settings.PASSWORD_RESET_TIMEOUT == 3 * 24 * 3600


def test_the_token_leaves_the_url_before_the_page_shows(client, invited):
    link = path_of(invited)
    token = link.rstrip("/").rsplit("/", 1)[1]
    form_url = open_link(client, invited)
    assert token not in form_url and form_url.endswith("/set-password/")
    response = client.get(form_url)
    page = response.content.decode()
    assert response.status_code == 200
    assert token not in page
    for text in ["Wachtwoord aanmaken", "Nieuw wachtwoord", "Herhaal het nieuwe wachtwoord",
                 "nieuw@example.nl"]:
        assert text in page
    assert 'autocomplete="new-password"' in page


def test_setting_a_password_logs_the_parent_in_with_a_new_session(client, invited):
    form_url = open_link(client, invited)
    before = client.session.session_key
    response = set_password(client, form_url)
    assert response.status_code == 302 and response["Location"] == "/thuis/kinderen/"
    assert client.session.session_key != before
    assert int(client.session["_auth_user_id"]) == invited.pk
    invited.refresh_from_db()
    assert invited.check_password(NEW)


def test_the_new_password_works_at_once(client, invited):
    set_password(client, open_link(client, invited))
    client.post("/thuis/uitloggen/")
    response = client.post("/thuis/", {"username": "nieuw@example.nl", "password": NEW})
    assert response["Location"] == "/thuis/kinderen/"


def test_a_used_link_is_refused_with_a_clear_page(client, invited):
    link = path_of(invited)
    set_password(client, open_link(client, invited))
    client.post("/thuis/uitloggen/")
    response = client.get(link)
    assert response.status_code == 400
    page = response.content.decode()
    assert USED in page and 'href="/thuis/vergeten/"' in page


def test_an_earlier_link_stops_working_when_a_later_one_is_used(client, guardian):
    first = path_of(guardian)
    set_password(client, open_link(client, guardian))
    assert client.get(first).status_code == 400


def test_an_expired_link_is_refused(client, invited, monkeypatch, settings):
    link = path_of(invited)
    later = datetime.now() + timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT + 60)
    monkeypatch.setattr(default_token_generator, "_now", lambda: later)
    response = client.get(link)
    assert response.status_code == 400 and USED in response.content.decode()


def test_a_link_that_expires_while_the_page_is_open_is_refused_on_saving(client, invited, monkeypatch,
                                                                         settings):
    form_url = open_link(client, invited)
    later = datetime.now() + timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT + 60)
    monkeypatch.setattr(default_token_generator, "_now", lambda: later)
    response = set_password(client, form_url)
    assert response.status_code == 400 and USED in response.content.decode()
    invited.refresh_from_db()
    assert not invited.has_usable_password()


def test_a_shorter_configured_timeout_is_kept(client, invited, monkeypatch, settings):
    settings.PASSWORD_RESET_TIMEOUT = 3600
    link = path_of(invited)
    later = datetime.now() + timedelta(hours=2)
    monkeypatch.setattr(default_token_generator, "_now", lambda: later)
    assert client.get(link).status_code == 400


@pytest.mark.parametrize("mangle", [
    lambda uid, token: (uid, token[:-1] + ("a" if token[-1] != "a" else "b")),
    lambda uid, token: (uid, "set-password"),
    lambda uid, token: ("bm9wZQ", token),
    lambda uid, token: ("!!!", token),
    lambda uid, token: ("OTk5OTk5OTk5OTk5OTk5OTk5OTk5OTk5", token),
    lambda uid, token: (uid, "x" * 300),
])
def test_a_tampered_link_is_refused(client, invited, mangle):
    uid, token = path_of(invited).strip("/").split("/")[-2:]
    uid, token = mangle(uid, token)
    response = client.get(f"/thuis/wachtwoord/{uid}/{token}/")
    assert response.status_code == 400 and USED in response.content.decode()


def test_only_parents_accounts_can_be_set_here(client, teacher):
    # Even with a valid token for a teacher account, this page is only for parents.
    response = client.get(path_of(teacher.user))
    assert response.status_code == 400
    teacher.user.refresh_from_db()
    assert teacher.user.check_password("correct-horse-battery")


@pytest.mark.parametrize("first, second, message", [
    ("kort", None, "Dit wachtwoord is te kort."),
    ("password123", None, "Dit wachtwoord is te algemeen."),
    ("20262027202620", None, "Dit wachtwoord bevat alleen cijfers."),
    (NEW, NEW + "x", "De twee wachtwoorden zijn niet hetzelfde."),
    ("", "", "Vul het nieuwe wachtwoord twee keer in."),
    ("a" * 5000, None, None),
])
def test_weak_or_mismatched_passwords_get_a_dutch_message(client, invited, first, second, message):
    form_url = open_link(client, invited)
    response = set_password(client, form_url, first, second)
    if first == "a" * 5000:  # long is fine for the validators, and never a 500
        assert response.status_code == 302
        return
    assert response.status_code == 400
    assert message in response.content.decode()
    invited.refresh_from_db()
    assert not invited.has_usable_password()


def test_the_page_lists_the_password_rules_in_dutch(client, invited):
    page = client.get(open_link(client, invited)).content.decode()
    assert "Uw wachtwoord mag niet volledig uit cijfers bestaan." in page
    assert 'aria-describedby="wachtwoord-eisen"' in page


def test_a_new_password_lifts_the_lock_of_the_address(client, guardian):
    # Whoever reads the parent's mailbox may set a new password; that also ends a lockout.
    for attempt in range(10):
        client.post("/thuis/", {"username": "ouder@example.nl", "password": f"wrong-{attempt}"})
    assert AccessAttempt.objects.filter(username="guardian:ouder@example.nl").exists()
    set_password(client, open_link(client, guardian))
    client.post("/thuis/uitloggen/")
    response = client.post("/thuis/", {"username": "ouder@example.nl", "password": NEW})
    assert response["Location"] == "/thuis/kinderen/"


def test_a_too_short_password_is_reported_under_the_new_password_field(client, invited):
    response = set_password(client, open_link(client, invited), "kort")
    form = response.context["form"]
    assert form.errors["new_password1"] and "new_password2" not in form.errors
    page = response.content.decode()
    # The message follows the first field's input, before the repeat field's label.
    assert page.index("Dit wachtwoord is te kort.") < page.index("Herhaal het nieuwe wachtwoord")
