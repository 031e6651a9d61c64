"""ASVS 10: only the authorization code flow with PKCE S256, exact redirect URIs, short-lived
tokens, single-use codes; no implicit and no password grant."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from oauth2_provider.models import AccessToken, Application

from tests.factories import UserFactory
from tests.helpers import REDIRECT, SECRET, authorize, code_from, exchange, log_in

pytestmark = pytest.mark.usefixtures("issuer")


def test_implicit_flow_is_refused(client, pupil, rekenroute):
    log_in(client, pupil)
    for response_type in ("token", "id_token", "id_token token", "code token"):
        response, _verifier = authorize(client, rekenroute, response_type=response_type)
        location = response.get("Location", "")
        assert "access_token=" not in location and "id_token=" not in location
        assert response.status_code in (302, 400) and ("error=" in location or response.status_code == 400)


def test_password_grant_is_refused(client, pupil, rekenroute):
    Application.objects.filter(pk=rekenroute.application.pk).update(
        authorization_grant_type=Application.GRANT_PASSWORD)
    response = client.post("/o/token/", {
        "grant_type": "password", "username": pupil.user.username, "password": "1357",
        "client_id": rekenroute.application.client_id, "client_secret": SECRET, "scope": "openid"})
    assert response.status_code in (400, 401) and "access_token" not in response.json()


def test_a_replayed_code_is_refused(client, pupil, rekenroute):
    log_in(client, pupil)
    response, verifier = authorize(client, rekenroute)
    code = code_from(response)
    assert exchange(client, rekenroute, code, verifier).status_code == 200
    assert exchange(client, rekenroute, code, verifier).json()["error"] == "invalid_grant"


def test_a_code_is_bound_to_its_redirect_uri(client, pupil, rekenroute):
    log_in(client, pupil)
    response, verifier = authorize(client, rekenroute)
    reply = client.post("/o/token/", {
        "grant_type": "authorization_code", "code": code_from(response),
        "redirect_uri": REDIRECT + "/other", "client_id": rekenroute.application.client_id,
        "client_secret": SECRET, "code_verifier": verifier})
    assert reply.status_code == 400


def test_a_wrong_client_secret_gets_no_token(client, pupil, rekenroute):
    log_in(client, pupil)
    response, verifier = authorize(client, rekenroute)
    reply = client.post("/o/token/", {
        "grant_type": "authorization_code", "code": code_from(response), "redirect_uri": REDIRECT,
        "client_id": rekenroute.application.client_id, "client_secret": "guess",
        "code_verifier": verifier})
    assert reply.status_code == 401


# The OAuth surface is only what publishers need (authorize, token, revoke, userinfo, JWKS,
# discovery, logout); django-oauth-toolkit's other pages do not exist here.


@pytest.mark.parametrize("path", [
    "/o/applications/", "/o/applications/register/", "/o/applications/1/",
    "/o/authorized_tokens/", "/o/introspect/", "/o/register/", "/o/device/",
    "/o/device-authorization/", "/o/.well-known/oauth-authorization-server",
    "/.well-known/oauth-authorization-server",
])
def test_registration_and_token_management_pages_do_not_exist(client, pupil, path):
    log_in(client, pupil)
    assert client.get(path).status_code == 404
    assert client.post(path, {"name": "Rekenroute", "client_type": "confidential",
                              "authorization_grant_type": "client-credentials"}).status_code == 404
    assert not Application.objects.filter(name="Rekenroute").exists()


def test_introspection_gives_no_username_to_anyone(client, pupil, rekenroute):
    log_in(client, pupil)
    response, verifier = authorize(client, rekenroute)
    token = exchange(client, rekenroute, code_from(response), verifier).json()["access_token"]
    reply = client.post("/o/introspect/", {"token": token, "client_id": rekenroute.application.client_id,
                                           "client_secret": SECRET})
    assert reply.status_code == 404
    assert pupil.user.username not in reply.content.decode()


@pytest.fixture
def platform_staff(client, db):
    client.force_login(UserFactory(kind="admin", is_staff=True, is_superuser=True))
    return client


def test_discovery_and_client_registration_offer_rs256_only(platform_staff):
    page = platform_staff.get("/beheer/oauth2_provider/application/add/").content.decode()
    select = re.search(r'<select name="algorithm".*?</select>', page, re.S).group(0)
    assert [value for value in re.findall(r'<option value="([^"]*)"', select) if value] == ["RS256"]
    doc = platform_staff.get("/.well-known/openid-configuration").json()
    assert doc["id_token_signing_alg_values_supported"] == ["RS256"]


def test_an_hs256_client_cannot_be_saved_through_the_admin(platform_staff):
    response = platform_staff.post("/beheer/oauth2_provider/application/add/", {
        "client_id": "hs-client", "client_secret": "s" * 40, "client_type": "confidential",
        "authorization_grant_type": "authorization-code", "redirect_uris": REDIRECT,
        "post_logout_redirect_uris": "", "allowed_origins": "", "name": "HS", "algorithm": "HS256"})
    # (an unhashed secret, which django-oauth-toolkit itself would let an HS256 client use)
    assert response.status_code == 200 and not Application.objects.filter(client_id="hs-client").exists()


def test_a_replayed_code_revokes_every_token_issued_from_it(client, pupil, rekenroute):
    log_in(client, pupil)
    response, verifier = authorize(client, rekenroute)
    code = code_from(response)
    tokens = exchange(client, rekenroute, code, verifier).json()
    refreshed = client.post("/o/token/", {
        "grant_type": "refresh_token", "refresh_token": tokens["refresh_token"],
        "client_id": rekenroute.application.client_id, "client_secret": SECRET}).json()
    assert exchange(client, rekenroute, code, verifier).json()["error"] == "invalid_grant"
    for access_token in (tokens["access_token"], refreshed["access_token"]):
        assert client.get("/o/userinfo/", HTTP_AUTHORIZATION=f"Bearer {access_token}").status_code == 401
    again = client.post("/o/token/", {
        "grant_type": "refresh_token", "refresh_token": refreshed["refresh_token"],
        "client_id": rekenroute.application.client_id, "client_secret": SECRET})
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"


def test_userinfo_with_a_token_without_a_user_is_refused_not_a_crash(client, rekenroute):
    AccessToken.objects.create(user=None, application=rekenroute.application, token="machine-token",
                               scope="openid", expires=timezone.now() + timedelta(minutes=5))
    response = client.get("/o/userinfo/", HTTP_AUTHORIZATION="Bearer machine-token")
    assert response.status_code in (401, 403)
    assert "sub" not in response.content.decode()


def test_a_client_credentials_token_is_not_issued(client, rekenroute):
    Application.objects.filter(pk=rekenroute.application.pk).update(
        authorization_grant_type=Application.GRANT_CLIENT_CREDENTIALS)
    response = client.post("/o/token/", {
        "grant_type": "client_credentials", "client_id": rekenroute.application.client_id,
        "client_secret": SECRET, "scope": "openid"})
    assert response.status_code == 400 and "access_token" not in response.json()
