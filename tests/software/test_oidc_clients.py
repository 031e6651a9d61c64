"""OpenID Connect the way certified relying parties drive it: silent checks (prompt=none),
re-authentication (prompt=login, max_age), errors with iss (RFC 9207), a login started at the
publisher that ends at the publisher, common scope defaults, client authentication errors,
PKCE failures, and a discovery document that says exactly what the provider does."""

import base64
import datetime
import time
from types import SimpleNamespace
from urllib.parse import parse_qs, urlparse

import pytest
from axes.models import AccessAttempt
from django.http import HttpResponse
from django.utils import timezone
from oauth2_provider.models import Application

from accounts.models import User
from software.signon import PENDING_COOKIE, PENDING_SALT
from tests.factories import GuardianLinkFactory, LicenceFactory, SoftwareFactory
from tests.helpers import (
    REDIRECT,
    SECRET,
    authorize,
    code_from,
    exchange,
    id_token_claims,
    log_in_pupil,
    sign_in,
)
from tests.helpers import connect_software as connect

pytestmark = pytest.mark.usefixtures("issuer")

ISS = "http://testserver"


def params(response):
    assert response.status_code == 302, response.content[:500]
    assert response["Location"].startswith(REDIRECT + "?"), response["Location"]
    return {key: values[0] for key, values in parse_qs(urlparse(response["Location"]).query).items()}


def log_in_with_pin(client, teacher, group, pupil, pin="1357"):
    """Through the classroom device: a teacher connects it, the pupil types their PIN."""
    client.force_login(teacher.user)
    client.post("/klas/instellen/", {"group": group.pk})
    return client.post(f"/klas/leerling/{pupil.pk}/", {"pin": pin})


# 1. prompt=none: a silent check answers at once, never with a page and never with a 500.


def test_prompt_none_without_a_session_answers_login_required(client, rekenroute):
    answer = params(authorize(client, rekenroute, prompt="none")[0])
    assert answer == {"error": "login_required", "state": "xyz", "iss": ISS}


def test_prompt_none_with_a_session_gives_a_code(client, pupil, rekenroute):
    log_in_pupil(client, pupil)
    response, verifier = authorize(client, rekenroute, prompt="none")
    answer = params(response)
    assert answer["iss"] == ISS and answer["state"] == "xyz"
    assert exchange(client, rekenroute, answer["code"], verifier).status_code == 200


def test_prompt_none_for_an_unlicensed_pupil_redirects_access_denied(client, pupil):
    software = connect(SoftwareFactory())
    log_in_pupil(client, pupil)
    answer = params(authorize(client, software, prompt="none")[0])
    assert answer == {"error": "access_denied", "state": "xyz", "iss": ISS}


def test_prompt_none_with_a_parent_session_answers_login_required(client, guardian, rekenroute):
    client.force_login(guardian)
    assert params(authorize(client, rekenroute, prompt="none")[0])["error"] == "login_required"


def test_prompt_none_combined_with_login_is_invalid_request(client, pupil, rekenroute):
    log_in_pupil(client, pupil)
    answer = params(authorize(client, rekenroute, prompt="none login")[0])
    assert answer["error"] == "invalid_request" and answer["iss"] == ISS


# 2. Every error redirect carries iss.


def test_unlicensed_pupils_link_back_carries_iss(client, pupil):
    software = connect(SoftwareFactory())
    log_in_pupil(client, pupil)
    response = authorize(client, software)[0]
    assert response.status_code == 403
    assert f"{REDIRECT}?error=access_denied&amp;state=xyz&amp;iss=http%3A%2F%2Ftestserver" in (
        response.content.decode())


@pytest.mark.parametrize(("extra", "error"), [
    ({"code_challenge": None, "code_challenge_method": None}, "invalid_request"),
    ({"scope": "profile"}, "invalid_scope"),
    ({"response_type": "token"}, "unsupported_response_type"),
])
def test_error_redirects_carry_iss(client, pupil, rekenroute, extra, error):
    log_in_pupil(client, pupil)
    answer = params(authorize(client, rekenroute, **extra)[0])
    assert answer["error"] == error and answer["iss"] == ISS and answer["state"] == "xyz"
    assert "code" not in answer


# 3. A login started at the publisher ends at the publisher.


def test_a_login_started_at_the_publisher_returns_there_after_the_pin(client, teacher, group, pupil,
                                                                      rekenroute):
    client.force_login(teacher.user)
    client.post("/klas/instellen/", {"group": group.pk})  # a classroom device; the teacher is out
    response, verifier = authorize(client, rekenroute)
    assert response.status_code == 302 and response["Location"] == "/klas/"
    back = client.post(f"/klas/leerling/{pupil.pk}/", {"pin": "1357"})
    assert back.status_code == 302 and back["Location"].startswith("/o/authorize/?")
    answer = params(client.get(back["Location"]))
    assert exchange(client, rekenroute, answer["code"], verifier).status_code == 200
    assert client.post(f"/klas/leerling/{pupil.pk}/", {"pin": "1357"})["Location"] == "/overzicht/"


def test_the_pin_page_of_a_pending_login_may_send_its_answer_to_the_publisher(client, teacher, group,
                                                                              pupil, rekenroute):
    client.force_login(teacher.user)
    client.post("/klas/instellen/", {"group": group.pk})
    plain = client.get(f"/klas/leerling/{pupil.pk}/")["Content-Security-Policy"]
    assert "form-action 'self';" in plain + ";" and "uitgever.example" not in plain
    authorize(client, rekenroute)
    policy = client.get(f"/klas/leerling/{pupil.pk}/")["Content-Security-Policy"]
    assert "form-action 'self' https://uitgever.example" in policy


def test_a_login_started_at_the_publisher_survives_the_parents_login(client, guardian, pupil,
                                                                     rekenroute):
    pupil.home_login_enabled = True
    pupil.save()
    GuardianLinkFactory(pupil=pupil, guardian=guardian)
    response, verifier = authorize(client, rekenroute)
    assert response["Location"] == "/"
    client.force_login(guardian)  # the parent's login flushes nothing we need: it is a cookie
    back = client.post(f"/thuis/kinderen/{pupil.pk}/", {"pin": "1357"})
    assert back.status_code == 302 and back["Location"].startswith("/o/authorize/?")
    assert "code" in params(client.get(back["Location"]))


def test_prompt_login_asks_for_the_pin_again_and_returns(client, teacher, group, pupil,
                                                        rekenroute):
    log_in_with_pin(client, teacher, group, pupil)
    response, _verifier = authorize(client, rekenroute, prompt="login")
    assert response.status_code == 302 and response["Location"] == "/klas/"
    back = client.post(f"/klas/leerling/{pupil.pk}/", {"pin": "1357"})
    assert back["Location"].startswith("/o/authorize/?") and "prompt" not in back["Location"]
    assert "code" in params(client.get(back["Location"]))


@pytest.mark.parametrize("target", [
    "https://evil.example/o/authorize/?x=1", "//evil.example/o/authorize/", "/overzicht/",
    "/o/authorize/\\evil.example", "/o/token/?x=1",
])
def test_only_an_authorize_url_on_this_site_is_resumed(client, teacher, group, pupil, target):
    client.force_login(teacher.user)
    client.post("/klas/instellen/", {"group": group.pk})
    client.cookies[PENDING_COOKIE] = _signed(target)  # signed with the site's key, so only a bug
    back = client.post(f"/klas/leerling/{pupil.pk}/", {"pin": "1357"})
    assert back["Location"] == "/overzicht/"


def _signed(value):
    response = HttpResponse()
    response.set_signed_cookie(PENDING_COOKIE, value, salt=PENDING_SALT)
    return response.cookies[PENDING_COOKIE].value


# 4. max_age and auth_time: this session's login, not the account's last login anywhere.
# The clock stands at 09:00 of today's *local* date, the date the licences were made on: late
# in the evening (UTC) the UTC date is still the day before the Dutch one.


def test_auth_time_is_when_this_session_logged_in(client, teacher, group, pupil, rekenroute,
                                                  time_machine):
    time_machine.move_to(timezone.localtime().replace(hour=9, minute=0), tick=False)
    log_in_with_pin(client, teacher, group, pupil)
    logged_in_at = int(time.time())
    time_machine.shift(datetime.timedelta(minutes=3))
    User.objects.filter(pk=pupil.user.pk).update(last_login=timezone.now())  # a login elsewhere
    claims, _tokens = sign_in(client, rekenroute)
    assert claims["auth_time"] == logged_in_at


def test_max_age_passed_asks_for_the_pin_again(client, teacher, group, pupil, rekenroute,
                                               time_machine):
    time_machine.move_to(timezone.localtime().replace(hour=9, minute=0), tick=False)
    log_in_with_pin(client, teacher, group, pupil)
    time_machine.shift(datetime.timedelta(minutes=6))
    assert code_from(authorize(client, rekenroute, max_age="600")[0])
    assert params(authorize(client, rekenroute, max_age="300", prompt="none")[0])["error"] == "login_required"
    response, verifier = authorize(client, rekenroute, max_age="300")
    assert response["Location"] == "/klas/"
    back = client.post(f"/klas/leerling/{pupil.pk}/", {"pin": "1357"})
    answer = params(client.get(back["Location"]))
    tokens = exchange(client, rekenroute, answer["code"], verifier)
    assert id_token_claims(client, tokens)["auth_time"] == int(time.time())


@pytest.mark.parametrize("max_age", ["abc", "-1", "1e9"])
def test_a_bad_max_age_is_invalid_request(client, pupil, rekenroute, max_age):
    log_in_pupil(client, pupil)
    answer = params(authorize(client, rekenroute, max_age=max_age)[0])
    assert answer["error"] == "invalid_request" and answer["iss"] == ISS


# 5. Common scope defaults.


def test_scope_openid_profile_works(client, pupil, rekenroute):
    log_in_pupil(client, pupil)
    response, verifier = authorize(client, rekenroute, scope="openid profile")
    tokens = exchange(client, rekenroute, code_from(response), verifier).json()
    assert tokens["scope"] == "openid profile"


def test_unknown_scopes_are_ignored(client, pupil, rekenroute):
    log_in_pupil(client, pupil)
    response, verifier = authorize(client, rekenroute, scope="openid email offline_access")
    tokens = exchange(client, rekenroute, code_from(response), verifier).json()
    assert tokens["scope"] == "openid"
    assert "email" not in id_token_claims(client, SimpleNamespace(json=lambda: tokens))


# 6. Client authentication errors name the scheme the client used.


def test_wrong_secret_with_basic_auth_answers_a_basic_challenge(client, pupil, rekenroute):
    log_in_pupil(client, pupil)
    response, verifier = authorize(client, rekenroute)
    basic = base64.b64encode(f"{rekenroute.application.client_id}:wrong".encode()).decode()
    reply = client.post("/o/token/", {
        "grant_type": "authorization_code", "code": code_from(response), "redirect_uri": REDIRECT,
        "code_verifier": verifier}, HTTP_AUTHORIZATION=f"Basic {basic}")
    assert reply.status_code == 401 and reply.json()["error"] == "invalid_client"
    assert reply["WWW-Authenticate"].startswith("Basic ")
    assert reply["Content-Type"] == "application/json"


# 7. A wrong PKCE verifier uses the code up.


def test_a_wrong_verifier_uses_the_code_up(client, pupil, rekenroute):
    log_in_pupil(client, pupil)
    response, verifier = authorize(client, rekenroute)
    code = code_from(response)
    assert exchange(client, rekenroute, code, "x" * 50).json()["error"] == "invalid_grant"
    again = exchange(client, rekenroute, code, verifier)
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"


# 8. No password grant, and no oracle in its refusal.


@pytest.mark.parametrize("grant_type", [Application.GRANT_AUTHORIZATION_CODE, Application.GRANT_PASSWORD])
def test_the_password_grant_says_the_same_for_real_and_made_up_credentials(client, guardian, rekenroute,
                                                                           grant_type):
    Application.objects.filter(pk=rekenroute.application.pk).update(authorization_grant_type=grant_type)

    def attempt(password):
        return client.post("/o/token/", {
            "grant_type": "password", "username": guardian.username, "password": password,
            "client_id": rekenroute.application.client_id, "client_secret": SECRET, "scope": "openid"})

    real, made_up = attempt("correct-horse-battery"), attempt("made-up-password")
    assert (real.status_code, real.json()) == (made_up.status_code, made_up.json())
    assert real.json()["error"] == "unsupported_grant_type"
    assert not AccessAttempt.objects.exists()  # no parent's password was checked


# 9. Discovery says exactly what the provider does; userinfo answers like a protected resource.


def test_discovery_lists_what_is_supported(client, db):
    doc = client.get("/.well-known/openid-configuration").json()
    assert doc["id_token_signing_alg_values_supported"] == ["RS256"]
    assert doc["grant_types_supported"] == ["authorization_code", "refresh_token"]
    assert doc["revocation_endpoint"] == f"{ISS}/o/revoke_token/"
    assert doc["end_session_endpoint"] == f"{ISS}/o/logout/"
    assert doc["userinfo_endpoint"] == f"{ISS}/o/userinfo/"
    assert doc["authorization_response_iss_parameter_supported"] is True
    assert doc["prompt_values_supported"] == ["none", "login"]
    assert set(doc["scopes_supported"]) == {"openid", "profile"}
    assert doc["response_modes_supported"] == ["query"]
    assert doc["request_uri_parameter_supported"] is False
    assert sorted(doc["token_endpoint_auth_methods_supported"]) == ["client_secret_basic",
                                                                    "client_secret_post"]
    assert "introspection_endpoint" not in doc and "registration_endpoint" not in doc


def test_userinfo_without_a_token_answers_json_with_a_bearer_challenge(client, db):
    response = client.get("/o/userinfo/")
    assert response.status_code == 401
    assert response["Content-Type"] == "application/json"
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert response.json()["error"] == "invalid_token"


def test_userinfo_refuses_a_token_in_the_url(client, pupil, rekenroute):
    log_in_pupil(client, pupil)
    _claims, tokens = sign_in(client, rekenroute)
    response = client.get(f"/o/userinfo/?access_token={tokens['access_token']}")
    assert response.status_code in (400, 401) and "sub" not in response.json()
    header = client.get("/o/userinfo/", HTTP_AUTHORIZATION=f"Bearer {tokens['access_token']}")
    assert header.status_code == 200 and header["Content-Type"] == "application/json"


def test_an_id_token_is_not_an_access_token(client, pupil, rekenroute):
    log_in_pupil(client, pupil)
    _claims, tokens = sign_in(client, rekenroute)
    response = client.get("/o/userinfo/", HTTP_AUTHORIZATION=f"Bearer {tokens['id_token']}")
    assert response.status_code == 401


def test_refresh_keeps_auth_time_and_sub(client, pupil, rekenroute):
    log_in_pupil(client, pupil)
    claims, tokens = sign_in(client, rekenroute)
    refreshed = client.post("/o/token/", {
        "grant_type": "refresh_token", "refresh_token": tokens["refresh_token"],
        "client_id": rekenroute.application.client_id, "client_secret": SECRET})
    assert refreshed.status_code == 200, refreshed.content
    again = id_token_claims(client, refreshed)
    assert again["sub"] == claims["sub"] and again["auth_time"] == claims["auth_time"]


def test_licence_gone_means_no_new_code(client, pupil, rekenroute):
    log_in_pupil(client, pupil)
    code_from(authorize(client, rekenroute)[0])
    rekenroute.licences.all().delete()
    LicenceFactory(software=rekenroute)  # only another school
    assert authorize(client, rekenroute)[0].status_code == 403
