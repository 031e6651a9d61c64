"""Mail never holds a request hostage, and a mail that cannot be sent never costs a family its
code: the mail server is a port where nothing listens, or a server that accepts and never
answers (with EMAIL_TIMEOUT lowered, so the test waits a fraction of a second)."""

import logging
import threading

import pytest
from django.test import Client

from accounts.password_links import MAIL_THREAD_NAME
from homelogin.services import issue_home_code
from tests.factories import GuardianLinkFactory
from tests.helpers import SilentServer

NOT_SENT_CODE = ("De e-mail kon niet worden verstuurd. Er is niets veranderd: de oude thuis login "
                 "code werkt nog.")
NOT_SENT_INVITE = "is toegevoegd, maar de e-mail kon niet worden verstuurd"


@pytest.fixture(params=["refusing", "hanging"])
def broken_smtp(request, settings):
    """The real SMTP backend, pointed at a server that refuses or one that never answers."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_USE_TLS, settings.EMAIL_USE_SSL = "127.0.0.1", False, False
    settings.EMAIL_TIMEOUT = 0.3
    if request.param == "refusing":
        settings.EMAIL_PORT = 1
        yield
    else:
        server = SilentServer()
        settings.EMAIL_PORT = server.port
        yield
        server.close()


@pytest.fixture
def juf(client, teacher):
    client.force_login(teacher.user)
    return client


@pytest.fixture
def family(pupil, guardian):
    pupil.home_login_enabled = True
    pupil.save()
    GuardianLinkFactory(pupil=pupil, guardian=guardian)
    return pupil


def test_a_code_mail_that_cannot_be_sent_keeps_the_old_code(juf, family, broken_smtp):
    old = issue_home_code(pupil=family)
    response = juf.post(f"/leerkracht/leerling/{family.pk}/code/mailen/", follow=True)
    assert response.status_code == 200
    assert NOT_SENT_CODE in response.content.decode()
    assert Client().post("/thuis/code/", {"code": old}).status_code == 302, "the old code still works"


def test_an_invitation_that_cannot_be_sent_says_so(juf, pupil, broken_smtp):
    response = juf.post(f"/leerkracht/leerling/{pupil.pk}/ouders/", {"email": "nieuw@example.nl"},
                        follow=True)
    assert response.status_code == 200
    assert f"nieuw@example.nl {NOT_SENT_INVITE}" in response.content.decode()
    assert pupil.guardian_links.filter(guardian__username="nieuw@example.nl").exists()


def test_a_forgot_mail_that_cannot_be_sent_is_logged_and_the_parent_sees_the_usual_answer(
        client, guardian, family, broken_smtp, caplog):
    with caplog.at_level(logging.ERROR, logger="homelogin.services"):
        response = client.post("/thuis/vergeten/", {"email": "ouder@example.nl"})
        threads = [t for t in threading.enumerate() if t.name == MAIL_THREAD_NAME]
        for thread in threads:
            thread.join(timeout=30)
    assert response.status_code == 200
    assert "Als dit adres bij ons bekend is, ontvangt u een e-mail" in response.content.decode()
    assert not any(thread.is_alive() for thread in threads), "the mail thread gives up"
    assert "A set-password mail could not be sent" in caplog.text
