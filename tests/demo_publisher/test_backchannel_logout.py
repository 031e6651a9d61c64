"""The demo publisher's back-channel logout endpoint, as an attacker and as Basispoort: only a
logout token signed by Basispoort, for this client, fresh, typed and with the logout event ends
its session; anything else is refused with 400 and ends nothing."""

import json
import time
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone
from joserfc.jwk import KeySet
from jwcrypto import jwk
from jwcrypto import jwt as jwcrypto_jwt
from oauth2_provider.settings import oauth2_settings
from oauth2_provider.utils import jwk_from_pem

from demo_publisher import views
from demo_publisher.models import DemoPublisherSession, token_hash
from software.backchannel import LOGOUT_EVENT, logout_token
from software.models import PublisherSession
from tests.factories import SoftwareFactory
from tests.helpers import connect_software

URL = "/demo-uitgever/rekenroute/backchannel-logout/"


@pytest.fixture
def rekenroute(db, issuer):
    software = SoftwareFactory(name="Rekenroute", slug="rekenroute")
    return connect_software(software, client_id="demo-rekenroute")


@pytest.fixture(autouse=True)
def provider(client, monkeypatch, issuer):
    """Basispoort's issuer and JWKS as the demo publisher fetches them (here: from the test
    client instead of over the network)."""
    monkeypatch.setattr(views, "_provider", lambda slug: (
        "http://testserver", KeySet.import_key_set(client.get("/o/.well-known/jwks.json").json())))


@pytest.fixture
def emmas_session(rekenroute, pupil):
    sub = rekenroute.publisher.pairwise_sub(pupil.user)
    return DemoPublisherSession.objects.create(
        slug="rekenroute", token_hash=token_hash("emma-cookie"), sid="sid-emma", sub=sub,
        claims={"sub": sub, "given_name": "Emma"})


@pytest.fixture
def daans_session(rekenroute):
    return DemoPublisherSession.objects.create(slug="rekenroute", token_hash=token_hash("daan-cookie"),
                                               sid="sid-daan", sub="d" * 64, claims={"sub": "d" * 64})


@pytest.fixture
def row(rekenroute, pupil):
    return PublisherSession.objects.create(sid="sid-emma", user=pupil.user, software=rekenroute)


def claims_of(row, **changes):
    now = int(time.time())
    claims = {"iss": "http://testserver", "aud": "demo-rekenroute", "iat": now, "exp": now + 120,
              "jti": "j-1", "sub": row.software.publisher.pairwise_sub(row.user), "sid": row.sid,
              "events": {LOGOUT_EVENT: {}}, **changes}
    return {key: value for key, value in claims.items() if value is not None}


def sign(claims, *, key=None, typ="logout+jwt"):
    key = key or jwk_from_pem(oauth2_settings.OIDC_RSA_PRIVATE_KEY)
    token = jwcrypto_jwt.JWT(header=json.dumps({"alg": "RS256", "typ": typ, "kid": key.thumbprint()}),
                             claims=json.dumps(claims))
    token.make_signed_token(key)
    return token.serialize()


def ended(*sessions):
    return [s.__class__.objects.get(pk=s.pk).ended_at is not None for s in sessions]


def test_basispoorts_logout_token_ends_exactly_that_session(client, row, emmas_session, daans_session):
    response = client.post(URL, {"logout_token": logout_token(row)})
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    assert ended(emmas_session, daans_session) == [True, False]


def test_a_token_without_sid_ends_every_session_of_that_pupil(client, row, emmas_session, daans_session):
    response = client.post(URL, {"logout_token": sign(claims_of(row, sid=None))})
    assert response.status_code == 200
    assert ended(emmas_session, daans_session) == [True, False]


@pytest.mark.parametrize("forgery", [
    "not-a-jwt",
    "",
    "signed-by-another-key",
    "wrong-aud",
    "wrong-iss",
    "typ-jwt",
    "nonce",
    "no-event",
    "no-exp",
    "alg-none",
])
def test_a_forged_or_wrong_token_is_refused_and_ends_nothing(client, row, emmas_session, forgery):
    tokens = {
        "not-a-jwt": "not-a-jwt",
        "": "",
        "signed-by-another-key": sign(claims_of(row), key=jwk.JWK.generate(kty="RSA", size=2048)),
        "wrong-aud": sign(claims_of(row, aud="demo-spellingsterren")),
        "wrong-iss": sign(claims_of(row, iss="https://evil.example")),
        "typ-jwt": sign(claims_of(row), typ="JWT"),  # an ID token is not a logout token
        "nonce": sign(claims_of(row, nonce="n-0S6")),
        "no-event": sign(claims_of(row, events={})),
        "no-exp": sign(claims_of(row, exp=None)),
        "alg-none": ".".join(part for part in (
            _b64({"alg": "none", "typ": "logout+jwt"}), _b64(claims_of(row)), "")),
    }
    response = client.post(URL, {"logout_token": tokens[forgery]})
    assert response.status_code == 400 and response.json() == {"error": "invalid_request"}
    assert ended(emmas_session) == [False]


def _b64(data):
    import base64

    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def test_an_expired_token_is_refused(client, row, emmas_session):
    token = logout_token(row)
    with time_machine.travel(timezone.now() + timedelta(minutes=10)):
        assert client.post(URL, {"logout_token": token}).status_code == 400
    assert ended(emmas_session) == [False]


def test_only_post(client, rekenroute):
    assert client.get(URL).status_code == 405


def test_the_publishers_page_shows_the_session_and_then_that_it_ended(client, row, emmas_session):
    client.cookies[views.COOKIE] = "emma-cookie"
    page = client.get("/demo-uitgever/rekenroute/").content.decode()
    assert "Ingelogd als Emma" in page
    client.post(URL, {"logout_token": logout_token(row)})
    page = client.get("/demo-uitgever/rekenroute/").content.decode()
    assert "Je sessie is beëindigd" in page and "Emma" not in page
