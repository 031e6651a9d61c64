"""A publisher's software, in miniature: it logs pupils in through Basispoort with a real
OpenID Connect client (Authlib), over HTTP, exactly as an outside publisher would: discovery,
authorization code with PKCE, token exchange, ID token checked against the JWKS. It knows only
its client id and secret and Basispoort's address."""

from authlib.integrations.base_client import OAuthError
from authlib.integrations.django_client import OAuth
from django.conf import settings
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.cache import never_cache

from software.models import Software


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


@never_cache
def start(request, slug):
    """The login-initiation URL Basispoort's software tile leads to."""
    redirect_uri = settings.SITE_URL + reverse("demo_publisher:callback", args=[slug])
    return _client(slug).authorize_redirect(request, redirect_uri)


@never_cache
def callback(request, slug):
    client = _client(slug)
    try:
        token = client.authorize_access_token(request)
    except OAuthError as error:
        return render(request, "demo_publisher/error.html", {"error": error.error}, status=403)
    claims = dict(token["userinfo"])
    return render(request, "demo_publisher/welcome.html", {
        "claims": sorted(claims.items()), "name": claims.get("given_name"),
        "group": claims.get("group"), "school": claims.get("school_name"),
        "software": Software.objects.get(slug=slug),
    })
