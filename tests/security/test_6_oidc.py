"""ASVS 10: only the authorization code flow with PKCE S256, exact redirect URIs, short-lived
tokens, single-use codes; no implicit and no password grant."""

from oauth2_provider.models import Application

from tests.software.test_oidc import (  # noqa: F401 (the issuer fixture applies here too)
    REDIRECT,
    SECRET,
    authorize,
    code_from,
    exchange,
    issuer,
    log_in,
    rekenroute,
)


def test_implicit_flow_is_refused(client, pupil, rekenroute):  # noqa: F811
    log_in(client, pupil)
    for response_type in ("token", "id_token", "id_token token", "code token"):
        response, _verifier = authorize(client, rekenroute, response_type=response_type)
        location = response.get("Location", "")
        assert "access_token=" not in location and "id_token=" not in location
        assert response.status_code in (302, 400) and ("error=" in location or response.status_code == 400)


def test_password_grant_is_refused(client, pupil, rekenroute):  # noqa: F811
    Application.objects.filter(pk=rekenroute.application.pk).update(
        authorization_grant_type=Application.GRANT_PASSWORD)
    response = client.post("/o/token/", {
        "grant_type": "password", "username": pupil.user.username, "password": "1357",
        "client_id": rekenroute.application.client_id, "client_secret": SECRET, "scope": "openid"})
    assert response.status_code in (400, 401) and "access_token" not in response.json()


def test_a_replayed_code_is_refused(client, pupil, rekenroute):  # noqa: F811
    log_in(client, pupil)
    response, verifier = authorize(client, rekenroute)
    code = code_from(response)
    assert exchange(client, rekenroute, code, verifier).status_code == 200
    assert exchange(client, rekenroute, code, verifier).json()["error"] == "invalid_grant"


def test_a_code_is_bound_to_its_redirect_uri(client, pupil, rekenroute):  # noqa: F811
    log_in(client, pupil)
    response, verifier = authorize(client, rekenroute)
    reply = client.post("/o/token/", {
        "grant_type": "authorization_code", "code": code_from(response),
        "redirect_uri": REDIRECT + "/other", "client_id": rekenroute.application.client_id,
        "client_secret": SECRET, "code_verifier": verifier})
    assert reply.status_code == 400


def test_a_wrong_client_secret_gets_no_token(client, pupil, rekenroute):  # noqa: F811
    log_in(client, pupil)
    response, verifier = authorize(client, rekenroute)
    reply = client.post("/o/token/", {
        "grant_type": "authorization_code", "code": code_from(response), "redirect_uri": REDIRECT,
        "client_id": rekenroute.application.client_id, "client_secret": "guess",
        "code_verifier": verifier})
    assert reply.status_code == 401
