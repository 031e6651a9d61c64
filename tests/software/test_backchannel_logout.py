"""OpenID Connect Back-Channel Logout 1.0 as a publisher sees it: every software a pupil opened
in a session gets one signed logout token when that session ends (Uitloggen, a sibling's login
on the same browser, a teacher disconnecting the classroom device, a session that ran out), and
nothing else gets one."""

from datetime import timedelta
from io import StringIO

import pytest
import requests
import time_machine
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from joserfc import jwt
from joserfc.jwk import KeySet

from accounts.models import User
from software.models import IssuedCode, PublisherSession
from tests.factories import LicenceFactory, PupilFactory, SoftwareFactory, TeacherFactory, UserFactory
from tests.helpers import (
    authorize,
    code_from,
    connect,
    connect_software,
    exchange,
    log_in,
    log_in_staff,
    sign_in,
)

EVENT = "http://schemas.openid.net/event/backchannel-logout"


@pytest.fixture
def rekenroute(rekenroute):
    rekenroute.backchannel_logout_uri = "https://rekenroute.example/logout"
    rekenroute.save()
    return rekenroute


@pytest.fixture
def taalkompas(pupil):
    """Licensed and listening, but never opened in the tests' sessions."""
    software = connect_software(SoftwareFactory(name="Taalkompas",
                                                backchannel_logout_uri="https://taalkompas.example/logout"))
    LicenceFactory(school=pupil.school, software=software, home_use=True)
    return software


@pytest.fixture
def classmate(group):
    return PupilFactory(group=group, first_name="Daan", pin="2468")


class Inbox(list):
    """What the publishers received: (uri, logout token) per POST; answers ``status`` or
    raises ``error``."""

    status = 200
    error = None

    def post(self, uri, data=None, **options):
        self.options = options
        if self.error:
            raise self.error
        self.append((uri, data["logout_token"]))
        response = requests.Response()
        response.status_code = self.status
        return response

    def uris(self):
        return sorted(uri for uri, _token in self)


@pytest.fixture
def inbox(monkeypatch):
    box = Inbox()
    monkeypatch.setattr("software.backchannel.requests.post", box.post)
    return box


def verify(client, token, software):
    keys = KeySet.import_key_set(client.get("/o/.well-known/jwks.json").json())
    decoded = jwt.decode(token, keys, algorithms=["RS256"])
    jwt.JWTClaimsRegistry(
        iss={"essential": True, "value": "http://testserver"},
        aud={"essential": True, "value": software.application.client_id},
        iat={"essential": True}, exp={"essential": True}, jti={"essential": True},
    ).validate(decoded.claims)
    return decoded


# The token


@pytest.mark.usefixtures("issuer")
def test_the_logout_token_is_what_the_standard_asks(client, pupil, rekenroute, inbox, run_tasks):
    log_in(client, pupil)
    id_token, _tokens = sign_in(client, rekenroute)
    client.post("/uitloggen/")
    run_tasks()

    [(uri, token)] = inbox
    assert uri == "https://rekenroute.example/logout"
    decoded = verify(client, token, rekenroute)
    assert decoded.header["typ"] == "logout+jwt" and decoded.header["alg"] == "RS256"
    claims = decoded.claims
    assert claims["sub"] == id_token["sub"] and claims["sid"] == id_token["sid"]
    assert claims["events"] == {EVENT: {}}
    assert "nonce" not in claims
    assert 0 < claims["exp"] - claims["iat"] <= 120
    assert inbox.options["allow_redirects"] is False and inbox.options["timeout"]


@pytest.mark.usefixtures("issuer")
def test_one_session_has_one_sid_for_every_client_and_a_new_login_a_new_one(
        client, pupil, rekenroute, taalkompas):
    log_in(client, pupil)
    first, _ = sign_in(client, rekenroute)
    second, _ = sign_in(client, taalkompas)
    assert first["sid"] == second["sid"] and len(first["sid"]) >= 32
    log_in(client, pupil)
    again, _ = sign_in(client, rekenroute)
    assert again["sid"] != first["sid"]


@pytest.mark.usefixtures("issuer")
def test_a_refreshed_id_token_keeps_the_sid(client, pupil, rekenroute):
    log_in(client, pupil)
    id_token, tokens = sign_in(client, rekenroute)
    refreshed = client.post("/o/token/", {
        "grant_type": "refresh_token", "refresh_token": tokens["refresh_token"],
        "client_id": rekenroute.application.client_id, "client_secret": "publisher-client-secret-0123456789",
    })
    keys = KeySet.import_key_set(client.get("/o/.well-known/jwks.json").json())
    assert jwt.decode(refreshed.json()["id_token"], keys).claims["sid"] == id_token["sid"]


def test_discovery_advertises_back_channel_logout(client, db):
    doc = client.get("/.well-known/openid-configuration").json()
    assert doc["backchannel_logout_supported"] is True
    assert doc["backchannel_logout_session_supported"] is True


# Event 1: Uitloggen (and a session that ran out)


def test_logout_reaches_exactly_the_software_opened(client, pupil, rekenroute, taalkompas, classmate,
                                                    inbox, run_tasks):
    log_in(client, pupil)
    code_from(authorize(client, rekenroute)[0])
    other = Client()
    log_in(other, classmate)
    code_from(authorize(other, rekenroute)[0])

    client.post("/uitloggen/")
    run_tasks()

    assert inbox.uris() == ["https://rekenroute.example/logout"]  # not Taalkompas: never opened
    mine = PublisherSession.objects.get(user=pupil.user)
    assert mine.logged_out_at and mine.delivered_at and mine.attempts == 1
    daans = PublisherSession.objects.get(user=classmate.user)
    assert daans.logged_out_at is None  # the classmate on another device is still in


def test_opening_the_same_software_twice_sends_one_token(client, pupil, rekenroute, inbox, run_tasks):
    log_in(client, pupil)
    code_from(authorize(client, rekenroute)[0])
    code_from(authorize(client, rekenroute)[0])
    client.post("/uitloggen/")
    run_tasks()
    assert len(inbox) == 1


def test_software_without_a_logout_uri_gets_nothing(client, pupil, rekenroute, inbox, run_tasks):
    rekenroute.backchannel_logout_uri = ""
    rekenroute.save()
    log_in(client, pupil)
    code_from(authorize(client, rekenroute)[0])
    client.post("/uitloggen/")
    run_tasks()
    assert inbox == [] and PublisherSession.objects.get().logged_out_at is not None


def test_a_session_that_ran_out_ends_at_the_publishers(client, pupil, rekenroute, inbox, run_tasks, settings):
    log_in(client, pupil)
    code_from(authorize(client, rekenroute)[0])
    with time_machine.travel(timezone.now() + timedelta(seconds=settings.PUPIL_SESSION_IDLE + 60)):
        client.get("/overzicht/")
        run_tasks()
    assert inbox.uris() == ["https://rekenroute.example/logout"]


def test_a_pupil_who_opens_nothing_costs_the_logout_no_query(client, pupil, rekenroute):
    log_in(client, pupil)
    client.get("/overzicht/")
    with CaptureQueriesContext(connection) as queries:
        client.post("/uitloggen/")
    assert not any("publishersession" in q["sql"] for q in queries.captured_queries)


# Event 2: a sibling (or anyone) logs in on the same browser


def test_a_sibling_on_the_same_browser_logs_the_first_out_at_the_publishers(
        client, pupil, classmate, rekenroute, taalkompas, inbox, run_tasks):
    log_in(client, pupil)
    code_from(authorize(client, rekenroute)[0])
    log_in(client, classmate)  # Daan picks his tile on the same laptop
    code_from(authorize(client, taalkompas)[0])
    run_tasks()

    assert inbox.uris() == ["https://rekenroute.example/logout"]
    assert PublisherSession.objects.get(user=classmate.user).logged_out_at is None


def test_a_teacher_logging_in_over_a_pupil_ends_the_pupils_session(
        client, pupil, teacher, rekenroute, inbox, run_tasks):
    log_in(client, pupil)
    code_from(authorize(client, rekenroute)[0])
    response = client.post("/leerkracht/inloggen/", {"username": "juf", "password": "x"})
    assert response.status_code == 400  # a wrong password ends nothing
    assert PublisherSession.objects.get().logged_out_at is None
    teacher.user.set_password("juf-wachtwoord-2026")
    teacher.user.save()
    client.post("/leerkracht/inloggen/", {"username": "juf", "password": "juf-wachtwoord-2026"})
    run_tasks()
    assert inbox.uris() == ["https://rekenroute.example/logout"]


# Event 3: a teacher disconnects the classroom device


@pytest.fixture
def device(teacher, group):
    tablet = Client()
    connect(tablet, teacher, group)
    return tablet


def test_disconnecting_the_device_ends_every_session_opened_on_it(
        device, teacher, pupil, classmate, rekenroute, taalkompas, inbox, run_tasks):
    device.post(f"/klas/leerling/{pupil.pk}/", {"pin": "1357"})
    code_from(authorize(device, rekenroute)[0])
    device.post("/uitloggen/")
    run_tasks()
    inbox.clear()
    device.post(f"/klas/leerling/{classmate.pk}/", {"pin": "2468"})
    code_from(authorize(device, taalkompas)[0])
    # Emma on another tablet of the class
    elsewhere = Client()
    connect(elsewhere, teacher, pupil.group)
    elsewhere.post(f"/klas/leerling/{pupil.pk}/", {"pin": "1357"})
    code_from(authorize(elsewhere, rekenroute)[0])

    log_in_staff(device, teacher.user)
    assert device.post("/klas/loskoppelen/").status_code == 302
    run_tasks()

    # Daan's Taalkompas; Emma's earlier Rekenroute already had its token; the other tablet none.
    assert inbox.uris() == ["https://taalkompas.example/logout"]
    assert PublisherSession.objects.filter(logged_out_at=None).count() == 1


def test_the_administrator_disconnecting_from_anywhere_ends_the_sessions_too(
        device, school, pupil, rekenroute, inbox, run_tasks):
    from pupils.models import ClassroomDevice

    device.post(f"/klas/leerling/{pupil.pk}/", {"pin": "1357"})
    code_from(authorize(device, rekenroute)[0])
    tablet = ClassroomDevice.objects.get()
    assert PublisherSession.objects.get().classroom_device == tablet.device_id

    admin = Client()
    log_in_staff(admin, TeacherFactory(school=school, role="ict_coordinator").user)
    response = admin.post(f"/leerkracht/beheer/klassencomputers/{tablet.pk}/loskoppelen/")
    assert response.status_code == 302
    run_tasks()
    assert inbox.uris() == ["https://rekenroute.example/logout"]


def test_disconnecting_the_device_ends_the_tokens_given_on_it_and_only_those(
        device, teacher, pupil, classmate, rekenroute, taalkompas, run_tasks):
    device.post(f"/klas/leerling/{classmate.pk}/", {"pin": "2468"})
    _claims, tokens = sign_in(device, taalkompas)
    unused, _verifier = authorize(device, rekenroute)  # a code the publisher has not exchanged yet
    elsewhere = Client()
    connect(elsewhere, teacher, pupil.group)
    elsewhere.post(f"/klas/leerling/{classmate.pk}/", {"pin": "2468"})
    _claims, kept = sign_in(elsewhere, taalkompas)

    log_in_staff(device, teacher.user)
    device.post("/klas/loskoppelen/")
    run_tasks()

    def userinfo(token):
        return Client().get("/o/userinfo/", HTTP_AUTHORIZATION=f"Bearer {token}").status_code

    assert userinfo(tokens["access_token"]) == 401
    refreshed = Client().post("/o/token/", {
        "grant_type": "refresh_token", "refresh_token": tokens["refresh_token"],
        "client_id": taalkompas.application.client_id, "client_secret": "publisher-client-secret-0123456789",
    })
    assert refreshed.status_code == 400
    assert exchange(Client(), rekenroute, code_from(unused), _verifier).status_code == 400
    assert userinfo(kept["access_token"]) == 200  # the other tablet's


# Delivery: retried with backoff, never redirected, given up after a few attempts


def test_a_failed_delivery_is_retried_with_backoff(client, pupil, rekenroute, inbox, run_tasks):
    log_in(client, pupil)
    code_from(authorize(client, rekenroute)[0])
    inbox.error = requests.ConnectionError("refused")
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        client.post("/uitloggen/")
        run_tasks()
        row = PublisherSession.objects.get()
        assert row.attempts == 1 and row.delivered_at is None
        clock.move_to(start + timedelta(seconds=30))
        run_tasks()
        assert PublisherSession.objects.get().attempts == 1  # not before a minute has passed
        inbox.error, inbox.status = None, 503
        clock.move_to(start + timedelta(seconds=61))
        run_tasks()
        assert PublisherSession.objects.get().attempts == 2
        inbox.status = 200
        clock.move_to(start + timedelta(minutes=7))
        run_tasks()
    row = PublisherSession.objects.get()
    assert row.attempts == 3 and row.delivered_at is not None
    tokens = [token for _uri, token in inbox]
    assert len(set(tokens)) == 2  # each attempt builds a fresh token


def test_a_redirect_is_not_followed_and_delivery_is_given_up_in_the_end(
        client, pupil, rekenroute, inbox, run_tasks, caplog):
    log_in(client, pupil)
    code_from(authorize(client, rekenroute)[0])
    inbox.status = 302
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        client.post("/uitloggen/")
        for minutes in (0, 2, 8, 40, 120, 600):
            clock.move_to(start + timedelta(minutes=minutes))
            run_tasks()
    row = PublisherSession.objects.get()
    assert row.attempts == 4 and row.delivered_at is None
    assert "given up" in caplog.text


# Registering the URI


def test_the_logout_uri_must_be_https(settings, rekenroute):
    rekenroute.backchannel_logout_uri = "http://rekenroute.example/logout"
    with pytest.raises(ValidationError) as error:
        rekenroute.full_clean()
    assert "https://" in str(error.value)
    rekenroute.backchannel_logout_uri = "https://rekenroute.example/logout"
    rekenroute.full_clean()


def test_platform_staff_register_the_uri_in_the_admin(client, rekenroute):
    client.force_login(UserFactory(kind=User.Kind.ADMIN, is_staff=True, is_superuser=True))
    url = f"/beheer/software/software/{rekenroute.pk}/change/"
    page = client.get(url).content.decode()
    assert 'name="backchannel_logout_uri"' in page
    response = client.post(url, {
        "publisher": rekenroute.publisher.pk, "name": rekenroute.name, "slug": rekenroute.slug,
        "launch_url": rekenroute.launch_url, "application": rekenroute.application.pk,
        "backchannel_logout_uri": "http://rekenroute.example/logout",
        "backchannel_logout_session_required": "on",
        "licences-TOTAL_FORMS": 0, "licences-INITIAL_FORMS": 0,
    })
    assert response.status_code == 200 and "https://" in response.content.decode()
    rekenroute.refresh_from_db()
    assert rekenroute.backchannel_logout_uri == "https://rekenroute.example/logout"


def test_the_token_names_the_publishers_own_sub_for_each(client, pupil, rekenroute, taalkompas, inbox,
                                                        run_tasks):
    log_in(client, pupil)
    code_from(authorize(client, rekenroute)[0])
    code_from(authorize(client, taalkompas)[0])
    client.post("/uitloggen/")
    run_tasks()
    subs = {uri: jwt.decode(token, KeySet.import_key_set(client.get("/o/.well-known/jwks.json").json()))
            .claims for uri, token in inbox}
    assert subs["https://rekenroute.example/logout"]["sub"] == rekenroute.publisher.pairwise_sub(pupil.user)
    assert subs["https://taalkompas.example/logout"]["sub"] == taalkompas.publisher.pairwise_sub(pupil.user)
    assert subs["https://rekenroute.example/logout"]["aud"] == rekenroute.application.client_id


@pytest.mark.usefixtures("issuer")
def test_old_sign_on_records_go_with_the_daily_prune_not_at_every_launch(client, pupil, rekenroute):
    """Issuing a code deletes nothing (at 08:30 every pupil opens a program); prune_logs
    deletes the code records older than a day and the publisher sessions older than a week."""
    log_in(client, pupil)
    code_from(authorize(client, rekenroute)[0])
    IssuedCode.objects.update(created_at=timezone.now() - timedelta(days=2))
    PublisherSession.objects.update(created_at=timezone.now() - timedelta(days=8))
    with CaptureQueriesContext(connection) as queries:
        code_from(authorize(client, rekenroute)[0])
    assert not [q["sql"] for q in queries.captured_queries if q["sql"].startswith("DELETE")]
    assert IssuedCode.objects.count() == 2

    call_command("prune_logs", stdout=StringIO())
    assert IssuedCode.objects.count() == 1  # the new one
    assert PublisherSession.objects.count() == 0  # the one row (same sid and software) was old
