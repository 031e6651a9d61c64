"""OpenID Connect as an outside publisher sees it: discovery, authorization code with PKCE,
token exchange, ID token verified against the JWKS with an independent library (joserfc)."""

import base64
import datetime
import json
from urllib.parse import urlparse

import pytest
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey
from oauth2_provider.models import AccessToken, Application

from tests.factories import LicenceFactory, PublisherFactory, PupilFactory, SoftwareFactory
from tests.helpers import (
    REDIRECT,
    authorize,
    code_from,
    exchange,
    log_in,
    sign_in,
)
from tests.helpers import connect_software as connect

pytestmark = pytest.mark.usefixtures("issuer")


def test_the_id_token_is_signed_with_the_published_key_and_nothing_else(client, pupil, rekenroute):
    log_in(client, pupil)
    _claims, tokens = sign_in(client, rekenroute)
    header = json.loads(base64.urlsafe_b64decode(tokens["id_token"].split(".")[0] + "=="))
    published = client.get("/o/.well-known/jwks.json").json()["keys"]
    assert header["alg"] == "RS256" and header["kid"] in {key["kid"] for key in published}
    assert all(key["kty"] == "RSA" and "d" not in key for key in published)  # never the private half
    # Another RSA key under the same key id: only the published key verifies the token.
    impostor = RSAKey.generate_key(2048).as_dict(private=False) | {"kid": header["kid"]}
    another_key = KeySet.import_key_set({"keys": [impostor]})
    with pytest.raises(Exception, match="(?i)signature"):
        jwt.decode(tokens["id_token"], another_key, algorithms=["RS256"])


def test_discovery_document(client, db):
    doc = client.get("/.well-known/openid-configuration").json()
    assert doc["issuer"] == "http://testserver"
    assert doc["authorization_endpoint"] == "http://testserver/o/authorize/"
    assert doc["jwks_uri"].endswith("/o/.well-known/jwks.json")
    assert doc["subject_types_supported"] == ["pairwise"]
    assert "RS256" in doc["id_token_signing_alg_values_supported"]
    assert doc["code_challenge_methods_supported"] == ["S256"]
    assert doc["response_types_supported"] == ["code"]


def test_licensed_pupil_gets_a_code_at_once_and_a_signed_minimal_id_token(client, pupil, rekenroute):
    log_in(client, pupil)
    claims, _tokens = sign_in(client, rekenroute)
    assert claims["iss"] == "http://testserver" and claims["aud"] == rekenroute.application.client_id
    assert claims["nonce"] == "n-0S6"
    assert (claims["role"], claims["school"], claims["group"], claims["year_level"]) == (
        "leerling", "99XX00", "Groep 5a", 5)
    for private in ("given_name", "family_name", "name", "email", "birthdate", "eckid"):
        assert private not in claims
    assert str(pupil.user.pk) != claims["sub"]


def test_first_name_and_eckid_only_when_the_licence_says_so(client, pupil, rekenroute):
    pupil.eckid = "https://ketenid.nl/201703/abc"
    pupil.save()
    rekenroute.licences.update(shares_first_name=True, shares_eckid=True)
    log_in(client, pupil)
    claims, _tokens = sign_in(client, rekenroute)
    assert claims["given_name"] == "Emma" and claims["eckid"].endswith("/abc")
    assert "family_name" not in claims


def test_sub_is_pairwise_per_publisher_and_stable(client, pupil, rekenroute):
    other = connect(SoftwareFactory(publisher=PublisherFactory(), name="Taaltuin"))
    LicenceFactory(school=pupil.school, software=other)
    same_publisher = connect(SoftwareFactory(publisher=rekenroute.publisher, name="Rekenroute 2"))
    LicenceFactory(school=pupil.school, software=same_publisher)
    log_in(client, pupil)
    first = sign_in(client, rekenroute)[0]["sub"]
    assert sign_in(client, rekenroute)[0]["sub"] == first
    assert sign_in(client, same_publisher)[0]["sub"] == first
    assert sign_in(client, other)[0]["sub"] != first


def test_userinfo_gives_the_same_claims(client, pupil, rekenroute):
    log_in(client, pupil)
    claims, tokens = sign_in(client, rekenroute)
    info = client.get("/o/userinfo/", HTTP_AUTHORIZATION=f"Bearer {tokens['access_token']}").json()
    assert info["sub"] == claims["sub"] and info["group"] == "Groep 5a"


def refused(response):
    assert response.status_code == 403
    page = response.content.decode()
    assert "Dit programma kun je hier niet gebruiken" in page
    assert f"{REDIRECT}?error=access_denied&amp;state=xyz" in page
    return page


def test_unlicensed_pupil_is_refused(client, pupil):
    software = connect(SoftwareFactory())
    LicenceFactory(software=software)  # another school's licence
    log_in(client, pupil)
    refused(authorize(client, software)[0])


def test_school_only_licence_is_refused_at_home(client, pupil):
    software = connect(SoftwareFactory(name="Schoolwerk"))
    LicenceFactory(school=pupil.school, software=software, home_use=False)
    pupil.home_login_enabled = True
    pupil.save()
    log_in(client, pupil, gate="home")
    assert "niet voor thuis" in refused(authorize(client, software)[0])
    log_in(client, pupil, gate="school")
    code_from(authorize(client, software)[0])


def test_expired_licence_is_refused(client, pupil):
    software = connect(SoftwareFactory())
    LicenceFactory(school=pupil.school, software=software, valid_from=datetime.date(2024, 8, 1),
                   valid_until=datetime.date(2025, 7, 31))
    log_in(client, pupil)
    refused(authorize(client, software)[0])


def test_licence_for_another_group_is_refused(client, pupil):
    from tests.factories import GroupFactory
    software = connect(SoftwareFactory())
    LicenceFactory(school=pupil.school, software=software,
                   groups=[GroupFactory(school=pupil.school, name="Groep 3")])
    log_in(client, pupil)
    refused(authorize(client, software)[0])


@pytest.mark.parametrize("uri", ["https://evil.example/steal", f"{REDIRECT}/extra", REDIRECT.upper()])
def test_wrong_redirect_uri_is_refused_without_redirecting(client, pupil, rekenroute, uri):
    log_in(client, pupil)
    response, _verifier = authorize(client, rekenroute, redirect_uri=uri)
    assert response.status_code == 400
    assert "Inloggen bij dit programma lukt niet" in response.content.decode()


def test_http_redirect_uri_is_refused_outside_debug(client, pupil, settings):
    settings.OAUTH2_PROVIDER = {**settings.OAUTH2_PROVIDER, "ALLOWED_REDIRECT_URI_SCHEMES": ["https"]}
    software = connect(SoftwareFactory())
    Application.objects.filter(pk=software.application.pk).update(redirect_uris="http://plain.example/cb")
    LicenceFactory(school=pupil.school, software=software)
    log_in(client, pupil)
    response, _verifier = authorize(client, software, redirect_uri="http://plain.example/cb")
    assert response.status_code == 400
    assert "code=" not in response.get("Location", "")


def test_pkce_is_required_and_plain_is_refused(client, pupil, rekenroute):
    log_in(client, pupil)
    for params in ({"code_challenge": None, "code_challenge_method": None},
                   {"code_challenge": "a" * 43, "code_challenge_method": "plain"}):
        response, _verifier = authorize(client, rekenroute, **params)
        assert "code=" not in response.get("Location", "")
        assert "error=" in response.get("Location", "") or response.status_code == 400


def test_wrong_code_verifier_is_refused(client, pupil, rekenroute):
    log_in(client, pupil)
    response, _verifier = authorize(client, rekenroute)
    tokens = exchange(client, rekenroute, code_from(response), "x" * 50)
    assert tokens.status_code == 400 and tokens.json()["error"] == "invalid_grant"


def test_a_code_is_single_use(client, pupil, rekenroute):
    log_in(client, pupil)
    response, verifier = authorize(client, rekenroute)
    code = code_from(response)
    assert exchange(client, rekenroute, code, verifier).status_code == 200
    second = exchange(client, rekenroute, code, verifier)
    assert second.status_code == 400 and second.json()["error"] == "invalid_grant"


def test_not_logged_in_goes_to_the_start_page(client, rekenroute):
    response, _verifier = authorize(client, rekenroute)
    assert response.status_code == 302 and urlparse(response["Location"]).path == "/"


def test_logout_ends_the_tokens_too(client, pupil, rekenroute):
    log_in(client, pupil)
    _claims, tokens = sign_in(client, rekenroute)
    client.post("/uitloggen/")
    assert not AccessToken.objects.exists()
    info = client.get("/o/userinfo/", HTTP_AUTHORIZATION=f"Bearer {tokens['access_token']}")
    assert info.status_code == 401


def test_tokens_are_short_lived(client, pupil, rekenroute, time_machine):
    # iat and exp are read from the clock a moment apart; the clock stands still so a slow
    # machine cannot add a second to the lifetime.
    time_machine.move_to(datetime.datetime.now(datetime.UTC), tick=False)
    log_in(client, pupil)
    claims, tokens = sign_in(client, rekenroute)
    assert tokens["expires_in"] <= 300 and claims["exp"] - claims["iat"] <= 300


def test_teacher_uses_the_same_launch(client, teacher, rekenroute):
    client.force_login(teacher.user)
    claims, _tokens = sign_in(client, rekenroute)
    assert claims["role"] == "leerkracht" and claims["school"] == "99XX00" and "group" not in claims


def test_launch_sends_the_pupil_to_the_publisher(client, pupil, rekenroute):
    log_in(client, pupil)
    response = client.get(f"/software/{rekenroute.slug}/start/")
    assert response.status_code == 302
    assert response["Location"].startswith(rekenroute.launch_url)
    assert "iss=http%3A%2F%2Ftestserver" in response["Location"]


def test_launch_of_unlicensed_software_is_refused(client, pupil):
    software = SoftwareFactory()
    log_in(client, pupil)
    assert client.get(f"/software/{software.slug}/start/").status_code == 403
    assert client.get("/software/bestaat-niet/start/").status_code == 404


def test_launch_needs_a_login(client, rekenroute):
    assert client.get(f"/software/{rekenroute.slug}/start/")["Location"] == "/"


def test_other_schools_pupil_is_refused(client, rekenroute):
    stranger = PupilFactory()
    log_in(client, stranger)
    refused(authorize(client, rekenroute)[0])
