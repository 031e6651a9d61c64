"""Who gets a token and what it opens: only a publisher's API client gets a client-credentials
token, only for its own scopes; a pupil's single sign-on token never reads the API, and an API
token never reads a pupil's userinfo."""

import pytest
from oauth2_provider.models import AccessToken, Application

from software.models import SyncPermission
from tests.api.publisher import Api, make_api_client, token_for, token_response
from tests.helpers import log_in_pupil, sign_in

SCHOOL = "/api/v2/instellingen/99XX00"


def test_the_token_carries_the_clients_scopes_and_no_user(client, api_client):
    response = token_response(client, api_client)
    assert response.status_code == 200
    body = response.json()
    assert set(body["scope"].split()) == {"instellingen", "groepen", "leerlingen", "staf", "licenties"}
    assert "refresh_token" not in body and "id_token" not in body
    assert AccessToken.objects.get().user is None


def test_an_api_client_cannot_ask_openid_or_more_than_it_was_given(client, rekenroute):
    limited = make_api_client(rekenroute.publisher, scopes="instellingen")
    for scope in ("openid", "instellingen leerlingen", "beheer"):
        response = token_response(client, limited, scope=scope)
        assert response.status_code == 400 and response.json()["error"] == "invalid_scope"
    assert not AccessToken.objects.exists()


def test_a_scope_opens_only_its_resource(client, permission, pupil, rekenroute, issuer):
    limited = make_api_client(rekenroute.publisher, scopes="instellingen")
    api = Api(client, token_for(client, limited))
    assert api.get(f"{SCHOOL}/").status_code == 200
    for path in ("/groepen/", "/leerlingen/", "/staf/"):
        response = api.get(f"{SCHOOL}{path}")
        assert response.status_code == 403 and "results" not in response.json()


def test_a_single_sign_on_client_gets_no_client_credentials_token(client, rekenroute):
    Application.objects.filter(pk=rekenroute.application.pk).update(
        authorization_grant_type=Application.GRANT_CLIENT_CREDENTIALS)
    response = client.post("/o/token/", {
        "grant_type": "client_credentials", "client_id": rekenroute.application.client_id,
        "client_secret": "publisher-client-secret-0123456789", "scope": "leerlingen"})
    assert response.status_code in (400, 401) and "access_token" not in response.json()


def test_an_api_client_cannot_run_a_pupil_login(client, api_client, pupil):
    Application.objects.filter(pk=api_client.application.pk).update(
        authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
        redirect_uris="https://uitgever.example/basispoort/terug")
    response = client.post("/o/token/", {
        "grant_type": "authorization_code", "code": "made-up",
        "redirect_uri": "https://uitgever.example/basispoort/terug",
        "client_id": api_client.application.client_id, "client_secret": "publisher-api-secret-0123456789"})
    assert response.status_code in (400, 401) and "access_token" not in response.json()


def test_a_pupils_sso_token_reads_no_api(client, permission, pupil, rekenroute, issuer):
    log_in_pupil(client, pupil)
    _claims, tokens = sign_in(client, rekenroute)
    client.logout()
    response = client.get(f"{SCHOOL}/leerlingen/", HTTP_AUTHORIZATION=f"Bearer {tokens['access_token']}")
    assert response.status_code in (401, 403) and "results" not in response.json()


def test_an_api_token_reads_no_userinfo(client, api_client):
    token = token_for(client, api_client)
    response = client.get("/o/userinfo/", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code in (401, 403) and "sub" not in response.content.decode()


@pytest.mark.parametrize("header", [None, "Bearer made-up", "Basic eDp5"])
def test_without_a_valid_token_401(client, permission, pupil, header):
    extra = {"HTTP_AUTHORIZATION": header} if header else {}
    response = client.get(f"{SCHOOL}/leerlingen/", **extra)
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_a_revoked_permission_stops_the_next_request(client, permission, pupil, api):
    assert api.get(f"{SCHOOL}/leerlingen/").status_code == 200
    SyncPermission.objects.filter(pk=permission.pk).update(granted=False)
    assert api.get(f"{SCHOOL}/leerlingen/").status_code == 403


def test_the_schema_and_reference_page_are_served_without_a_cdn(client, db):
    schema = client.get("/api/v2/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert schema.status_code == 200
    doc = schema.json()
    assert doc["components"]["securitySchemes"]["uitgever"]["flows"]["clientCredentials"]["tokenUrl"] \
        == "/o/token/"
    assert "/api/v2/instellingen/{code}/leerlingen/" in doc["paths"]
    page = client.get("/api/v2/docs/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "swagger-ui" in html and "https://" not in html and "//cdn" not in html
