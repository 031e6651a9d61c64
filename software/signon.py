"""A publisher's login that had to wait for the pupil to log in first.

When /o/authorize/ finds no pupil session (or must ask for the PIN again: prompt=login,
max_age), it remembers the authorization request in a short-lived signed cookie and sends the
browser to the tiles. The PIN or picture page (pupils.views.pupil_login) resumes it after a
successful login, so a login started at the publisher ends at the publisher. A cookie rather
than the session, because a parent's login and then the child's each start a new session.
Only a relative URL of this site's authorize endpoint is ever resumed.
"""

from urllib.parse import parse_qs, urlsplit

from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from basispoort.cookies import delete_cookie, get_signed_cookie, set_cookie

PENDING_COOKIE = "bp_sso"
PENDING_SALT = "software.signon"
PENDING_AGE = 10 * 60  # long enough for a child to find their tile and type a PIN


def is_authorize_url(url):
    return (
        isinstance(url, str)
        and url.startswith(reverse("oauth2_provider:authorize") + "?")
        and "\\" not in url
        and url_has_allowed_host_and_scheme(url, allowed_hosts=None)
    )


def remember(response, url):
    """Let the next successful pupil login continue at ``url`` (an /o/authorize/ request)."""
    if is_authorize_url(url):
        set_cookie(response, PENDING_COOKIE, url, salt=PENDING_SALT, max_age=PENDING_AGE)
    return response


def pending(request):
    """The authorize URL to continue at after a login, or None."""
    url = get_signed_cookie(request, PENDING_COOKIE, salt=PENDING_SALT, max_age=PENDING_AGE)
    return url if is_authorize_url(url) else None


def forget(response):
    return delete_cookie(response, PENDING_COOKIE)


def allow_form_redirect(request, response):
    """The PIN or picture form of a pending login answers with a redirect that ends at the
    publisher's redirect URI; browsers check every step of it against the page's CSP
    form-action, so that page allows this one registered origin too."""
    url = pending(request)
    if url:
        redirect_uri = urlsplit(parse_qs(urlsplit(url).query).get("redirect_uri", [""])[0])
        if redirect_uri.scheme in ("http", "https") and redirect_uri.netloc:
            response._csp_update = {"form-action": [f"{redirect_uri.scheme}://{redirect_uri.netloc}"]}
    return response
