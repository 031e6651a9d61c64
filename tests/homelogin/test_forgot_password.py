"""/thuis/vergeten/: one answer for every address; a mail with a new link only for a parent."""

import re
import threading

import pytest
from django.core.mail.backends.locmem import EmailBackend

from tests.factories import GuardianFactory, GuardianLinkFactory
from tests.helpers import forgot, wait_for_mail

URL = "/thuis/vergeten/"
SENT = "Als dit adres bij ons bekend is, ontvangt u een e-mail"


def without_csrf(response):
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())


def link_in(message):
    return re.search(r"https?://\S+/thuis/wachtwoord/[^/\s]+/[^/\s]+/", message.body).group(0)


def test_page_has_the_sheets_field_button_and_checks(client, db):
    page = client.get(URL).content.decode()
    for text in ["Gebruikersnaam (e-mailadres)", "Verstuur", "spambox", "betrouwbare afzender",
                 "postvak", "precies hetzelfde e-mailadres", "schrijfwijze", ".n in plaats van .nl",
                 "Uw gebruikersnaam is uw e-mailadres"]:
        assert text in page


def test_known_and_unknown_addresses_get_the_identical_answer(client, guardian, mailoutbox):
    known = forgot(client, "ouder@example.nl")
    unknown = forgot(client, "onbekend@example.nl")
    assert known.status_code == unknown.status_code == 200
    assert SENT in known.content.decode()
    # The page repeats what was typed (to spot a typo); apart from that it is the same page.
    assert without_csrf(known) == without_csrf(unknown).replace("onbekend@", "ouder@")
    assert [m.to for m in mailoutbox] == [["ouder@example.nl"]]


def test_the_mail_has_a_link_that_sets_a_new_password(client, guardian, pupil, mailoutbox):
    GuardianLinkFactory(guardian=guardian, pupil=pupil)
    forgot(client, "ouder@example.nl")
    mail = mailoutbox[0]
    assert "OBS De Regenboog" in mail.body
    assert "ouder@example.nl" in mail.body
    html, mimetype = mail.alternatives[0]
    assert mimetype == "text/html" and link_in(mail) in html

    url = link_in(mail).removeprefix("http://127.0.0.1:8000")
    form_url = client.get(url)["Location"]
    response = client.post(form_url, {"new_password1": "nieuw-wachtwoord-2026",
                                      "new_password2": "nieuw-wachtwoord-2026"})
    assert response["Location"] == "/thuis/kinderen/"
    guardian.refresh_from_db()
    assert guardian.check_password("nieuw-wachtwoord-2026")


def test_an_invited_parent_without_a_password_gets_a_link_too(client, db, mailoutbox):
    # Django's own PasswordResetForm skips accounts without a usable password; ours must not.
    invited = GuardianFactory(username="nieuw@example.nl", password=None)
    assert not invited.has_usable_password()
    forgot(client, "nieuw@example.nl")
    assert len(mailoutbox) == 1


@pytest.mark.parametrize("typed", ["Ouder@Example.NL", "  ouder@example.nl  "])
def test_case_and_spaces_do_not_matter(client, guardian, mailoutbox, typed):
    forgot(client, typed)
    assert mailoutbox[0].to == ["ouder@example.nl"]


def test_no_mail_for_a_teacher_or_pupil_account(client, school, mailoutbox):
    from tests.factories import TeacherFactory
    TeacherFactory(school=school, user__username="juf@school.nl", user__email="juf@school.nl")
    response = forgot(client, "juf@school.nl")
    assert SENT in response.content.decode()
    assert mailoutbox == []


def test_the_link_ignores_a_forged_host_header(client, guardian, mailoutbox, settings):
    settings.ALLOWED_HOSTS = ["*"]  # let the forged Host through to the view
    settings.SITE_URL = "https://thuis.basispoort.example"
    forgot(client, "ouder@example.nl", HTTP_HOST="evil.example")
    mail = mailoutbox[0]
    assert link_in(mail).startswith("https://thuis.basispoort.example/thuis/wachtwoord/")
    assert "evil.example" not in mail.body
    assert "evil.example" not in mail.alternatives[0][0]


def test_the_visitor_never_waits_for_the_mail_server(client, guardian, mailoutbox, monkeypatch):
    """The slow step, sending, happens after the answer, so its cost (which only a known address
    has) cannot show in the response time."""
    release = threading.Event()
    real_send = EmailBackend.send_messages

    def slow_send(self, messages):
        release.wait(timeout=10)
        return real_send(self, messages)

    monkeypatch.setattr(EmailBackend, "send_messages", slow_send)
    response = client.post(URL, {"email": "ouder@example.nl"})
    assert response.status_code == 200 and mailoutbox == []
    release.set()
    wait_for_mail()
    assert len(mailoutbox) == 1


def test_asking_again_within_a_minute_sends_no_second_mail(client, guardian, mailoutbox):
    first, second = forgot(client, "ouder@example.nl"), forgot(client, "ouder@example.nl")
    assert without_csrf(first) == without_csrf(second)
    assert len(mailoutbox) == 1


@pytest.mark.parametrize("bad, message", [
    ("", "Vul uw e-mailadres in."),
    ("ouder@example", "Dit is geen geldig e-mailadres."),
    ("ouder example.nl", "Dit is geen geldig e-mailadres."),
    ("a" * 300, "tekens"),
    ("x" * 290 + "@example.nl", "tekens"),
])
def test_bad_input_is_a_dutch_400_and_sends_nothing(client, guardian, mailoutbox, bad, message):
    response = forgot(client, bad)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert SENT not in response.content.decode()
    assert mailoutbox == []
