"""A publisher's software, in miniature: it logs pupils in through Basispoort with a real
OpenID Connect client (Authlib), over HTTP, exactly as an outside publisher would: discovery,
authorization code with PKCE, token exchange, ID token checked against the JWKS. It knows only
its client id and secret and Basispoort's address.

It keeps its own login session (DemoPublisherSession, its own cookie under its own path), not
Basispoort's, and ends it when Basispoort's back-channel logout says so (OpenID Connect
Back-Channel Logout 1.0): the logout token is checked as any relying party must."""

import secrets

from authlib.integrations.base_client import OAuthError
from authlib.integrations.django_client import OAuth
from django.conf import settings
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from software.models import Software

from .models import DemoPublisherSession, token_hash

COOKIE = "demo_uitgever_sessie"
LOGOUT_EVENT = "http://schemas.openid.net/event/backchannel-logout"


def client_id(slug):
    return f"demo-{slug}"


def _client(slug):
    if not Software.objects.filter(slug=slug, application__client_id=client_id(slug)).exists():
        raise Http404
    oauth = OAuth()
    return oauth.register(
        name=f"demo_{slug}",
        client_id=client_id(slug),
        client_secret=settings.DEMO_PUBLISHER_SECRET,
        server_metadata_url=f"{settings.SITE_URL}/.well-known/openid-configuration",
        client_kwargs={"scope": "openid", "code_challenge_method": "S256"},
    )


def _session(request, slug):
    token = request.COOKIES.get(COOKIE)
    if not token:
        return None
    return DemoPublisherSession.objects.filter(slug=slug, token_hash=token_hash(token)).first()


@never_cache
def start(request, slug):
    """The login-initiation URL Basispoort's software tile leads to (with ``iss``: a new login);
    without it, the publisher's own page: who is logged in here, or that the session ended."""
    publisher_session = None if "iss" in request.GET else _session(request, slug)
    if publisher_session is None:
        redirect_uri = settings.SITE_URL + reverse("demo_publisher:callback", args=[slug])
        return _client(slug).authorize_redirect(request, redirect_uri)
    software = Software.objects.get(slug=slug)
    if publisher_session.ended_at is not None:
        return render(request, "demo_publisher/ended.html", {"software": software})
    claims = publisher_session.claims
    return render(request, "demo_publisher/welcome.html", {
        "claims": sorted(claims.items()), "name": claims.get("given_name"),
        "group": claims.get("group"), "school": claims.get("school_name"), "software": software,
    })


@never_cache
def callback(request, slug):
    client = _client(slug)
    try:
        token = client.authorize_access_token(request)
    except OAuthError as error:
        return render(request, "demo_publisher/error.html", {"error": error.error}, status=403)
    claims = dict(token["userinfo"])
    secret = secrets.token_urlsafe(32)
    DemoPublisherSession.objects.create(slug=slug, token_hash=token_hash(secret), sid=claims.get("sid", ""),
                                        sub=claims["sub"], claims=claims)
    response = redirect("demo_publisher:start", slug=slug)
    response.set_cookie(COOKIE, secret, path=reverse("demo_publisher:start", args=[slug]),
                        httponly=True, samesite="Lax", secure=request.is_secure())
    return response


def _provider(slug):
    """Basispoort's issuer and signing keys, from its discovery document and JWKS."""
    client = _client(slug)
    return client.load_server_metadata()["issuer"], KeySet.import_key_set(client.fetch_jwk_set())


def _logout_claims(token, slug):
    """The claims of a valid logout token for this client; raises JoseError or ValueError.
    The checks of Back-Channel Logout 1.0 §2.6: signature with the provider's key, typ, iss,
    aud, iat and exp, the logout event, a sid or a sub, and no nonce."""
    issuer, keys = _provider(slug)
    decoded = jwt.decode(token, keys, algorithms=["RS256"])
    if decoded.header.get("typ") != "logout+jwt":
        raise ValueError("not a logout token")
    jwt.JWTClaimsRegistry(
        leeway=30,
        iss={"essential": True, "value": issuer},
        aud={"essential": True, "value": client_id(slug)},
        iat={"essential": True}, exp={"essential": True}, jti={"essential": True},
    ).validate(decoded.claims)
    claims = decoded.claims
    if not isinstance(claims.get("events"), dict) or not isinstance(claims["events"].get(LOGOUT_EVENT), dict):
        raise ValueError("no logout event")
    if "nonce" in claims:
        raise ValueError("a logout token has no nonce")
    if not (claims.get("sid") or claims.get("sub")):
        raise ValueError("no sid or sub")
    return claims


@csrf_exempt
@require_POST
def backchannel_logout(request, slug):
    """Basispoort says a pupil's session ended: end ours for that session (its sid), or every
    one of that pupil (their sub) when the token names no session."""
    try:
        claims = _logout_claims(request.POST.get("logout_token", ""), slug)
    except (JoseError, ValueError):
        response = JsonResponse({"error": "invalid_request"}, status=400)
    else:
        sessions = DemoPublisherSession.objects.filter(slug=slug, ended_at=None)
        if claims.get("sid"):
            sessions = sessions.filter(sid=claims["sid"])
        if claims.get("sub"):
            sessions = sessions.filter(sub=claims["sub"])
        sessions.update(ended_at=timezone.now())
        response = JsonResponse({})
    response["Cache-Control"] = "no-store"
    return response
