import json
import time
from datetime import UTC, datetime
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import DisallowedRedirect
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import cache_control, never_cache
from oauth2_provider import views as oauth2_views
from oauth2_provider.exceptions import OAuthToolkitError
from oauth2_provider.settings import oauth2_settings

from accounts.models import User
from basispoort.middleware import SESSION_STARTED
from schools.models import Teacher

from . import backchannel, signon
from .models import ICON_TYPES, Product, Software, icon_type

ICON_CACHE_SECONDS = 365 * 24 * 3600


def _at_home(request):
    # The pupil session (pupils/, above this app) tells through the request what gate it is.
    return getattr(request, "pupil_gate", None) != "school"


def _may_use(request, software):
    """The one licence check: the overview lists, the launch and the authorize step allow,
    exactly Software.objects.available_to()."""
    return Software.objects.available_to(
        request.user, at_home=_at_home(request), membership=Teacher.objects.for_request(request),
    ).filter(pk=software.pk).exists()


def _not_licensed(request, software, back_url=None):
    return render(request, "software/not_licensed.html", {
        "software": software, "at_home": _at_home(request), "back_url": back_url,
    }, status=403)


@never_cache
def launch(request, slug):
    """A software tile: send the pupil (or teacher) to the publisher's login-initiation URL;
    the publisher then starts OpenID Connect at /o/authorize/."""
    software = get_object_or_404(Software.objects.select_related("publisher"), slug=slug)
    if not request.user.is_authenticated:
        return redirect("homelogin:home")
    if not _may_use(request, software):
        return _not_licensed(request, software)
    separator = "&" if "?" in software.launch_url else "?"
    return redirect(f"{software.launch_url}{separator}{urlencode({'iss': settings.SITE_URL})}")


def _with_params(url, params):
    """``url`` with ``params`` added to its query; any ``iss`` already there is replaced."""
    params = {key: value for key, value in params.items() if value}
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in params]
    return urlunsplit(parts._replace(query=urlencode(query + list(params.items()))))


def _issuer():
    return oauth2_settings.OIDC_ISS_ENDPOINT


class LicensedAuthorizationView(oauth2_views.AuthorizationView):
    """/o/authorize/: a logged-in pupil or teacher gets a code at once (no consent screen) for
    software their school licenses for them; an unlicensed one gets access_denied and a Dutch
    page. Without a pupil session, or when the publisher asks for a fresh login (prompt=login,
    or max_age has passed), the browser goes to the tiles and comes back here after the PIN;
    prompt=none answers at once instead: a code, login_required or access_denied. Every answer
    to the publisher carries ``iss`` (RFC 9207)."""

    http_method_names = ["get", "head", "options"]  # no consent form, so nothing to POST

    def handle_no_permission(self):
        return self.get(self.request)  # we decide what an anonymous browser gets, below

    def get(self, request, *args, **kwargs):
        try:
            scopes, credentials = self.validate_authorization_request(request)
        except OAuthToolkitError as error:
            return self.error_response(error, application=None)  # bad client: a page, no redirect
        software = (Software.objects.select_related("application")
                    .filter(application__client_id=credentials["client_id"]).first())
        application = software.application if software else None
        prompt = set(request.GET.get("prompt", "").split())
        max_age = request.GET.get("max_age")
        if max_age is not None and not (max_age.isdigit() and len(max_age) <= 9):
            return self._answer(credentials, application, "invalid_request")

        if self._needs_login(request, max_age) or "login" in prompt:
            if "none" in prompt:
                return self._answer(credentials, application, "login_required")
            return self._to_login(request)
        if software is None or not _may_use(request, software):
            if "none" in prompt:
                return self._answer(credentials, application, "access_denied")
            denied = _with_params(credentials["redirect_uri"], {
                "error": "access_denied", "state": credentials.get("state"), "iss": _issuer()})
            return _not_licensed(request, software, back_url=denied)

        if isinstance(credentials.get("ui_locales"), list):
            credentials["ui_locales"] = " ".join(credentials["ui_locales"])
        try:
            uri, _headers, _body, _status = self.create_authorization_response(
                request=request, scopes=" ".join(scopes), credentials=credentials, allow=True)
            return self.redirect(uri, application)
        except OAuthToolkitError as error:
            return self.error_response(error, application)
        except DisallowedRedirect:
            # A redirect URI registered with a scheme production does not allow (plain http).
            return render(request, "oauth2_provider/authorize.html",
                          {"error": {"error": "invalid_request"}}, status=400)

    def create_authorization_response(self, request, scopes, credentials, allow):
        # The code remembers when this session logged in: the ID token's auth_time.
        auth_time = request.session.get(SESSION_STARTED)
        credentials["auth_time"] = datetime.fromtimestamp(auth_time, tz=UTC) if auth_time else None
        # ... and its id (the ID token's sid), and the classroom or home device it runs on, so that the
        # software hears when the session ends (software/backchannel.py).
        credentials["sid"] = backchannel.session_id(request)
        device = getattr(request, "pupil_classroom_device", None)
        credentials["classroom_device"] = (device() if device else None) or ""
        home_device = getattr(request, "pupil_home_device", None)
        credentials["home_device"] = home_device() if home_device else None
        return super().create_authorization_response(request, scopes, credentials, allow)

    def redirect(self, redirect_to, application):
        return super().redirect(_with_params(redirect_to, {"iss": _issuer()}), application)

    def _answer(self, credentials, application, error):
        return self.redirect(_with_params(credentials["redirect_uri"], {
            "error": error, "state": credentials.get("state")}), application)

    @staticmethod
    def _needs_login(request, max_age):
        user = request.user
        if not user.is_authenticated:
            return True
        if user.kind != User.Kind.PUPIL and Teacher.objects.for_request(request) is None:
            return True  # a parent's session is not the child's
        if max_age is None:
            return False
        auth_time = request.session.get(SESSION_STARTED)
        return auth_time is None or max_age == "0" or time.time() - auth_time > int(max_age)

    def _to_login(self, request):
        """To the tiles this browser logs in at; after the PIN, back here. The login just done
        is what prompt=login and max_age asked for, so they are not asked again."""
        query = request.GET.copy()
        query.pop("prompt", None)
        query.pop("max_age", None)
        url = f"{request.path}?{query.urlencode()}"
        user = request.user
        if Teacher.objects.chosen(request) is not None:
            return redirect_to_login(url)  # the teacher login form follows ?next=
        tiles_url = getattr(request, "pupil_tiles_url", None)
        back = tiles_url() if tiles_url else None
        if user.is_authenticated and user.kind == User.Kind.ADULT:
            back = reverse("homelogin:guardian_children")
        elif not (back and url_has_allowed_host_and_scheme(back, allowed_hosts=None)):
            back = reverse("homelogin:home")
        return signon.remember(redirect(back), url)


def _client_challenge(response):
    """RFC 6749 §5.2: a failed client authentication answers 401 with the scheme clients
    authenticate with here (HTTP Basic, or the same secret in the form), never Bearer."""
    if response.status_code == 401:
        response["WWW-Authenticate"] = 'Basic realm="Basispoort"'
    return response


class TokenView(oauth2_views.TokenView):
    def post(self, request, *args, **kwargs):
        return _client_challenge(super().post(request, *args, **kwargs))


class RevokeTokenView(oauth2_views.RevokeTokenView):
    def post(self, request, *args, **kwargs):
        return _client_challenge(super().post(request, *args, **kwargs))


class UserInfoView(oauth2_views.UserInfoView):
    """The pupil's claims for an access token in the Authorization header (RFC 6750 §2.1) or a
    POST body; never from the URL, where it would end up in logs. Errors are JSON too."""

    def _create_userinfo_response(self, request):
        if "access_token" in request.GET:
            response = JsonResponse({"error": "invalid_request",
                                     "error_description": "Send the access token in the header."},
                                    status=400)
            response["WWW-Authenticate"] = 'Bearer error="invalid_request"'
            return response
        response = super()._create_userinfo_response(request)
        if response.status_code != 200:
            response["Content-Type"] = "application/json"
        response["Cache-Control"] = "no-store"
        return response


class DiscoveryView(oauth2_views.ConnectDiscoveryInfoView):
    """/.well-known/openid-configuration: exactly what this provider does (docs/publishers.md)."""

    def get(self, request, *args, **kwargs):
        data = json.loads(super().get(request, *args, **kwargs).content)
        data.update({
            "id_token_signing_alg_values_supported": ["RS256"],
            "grant_types_supported": ["authorization_code", "refresh_token"],
            "response_modes_supported": ["query"],
            "revocation_endpoint": self._get_endpoint_url(request, "revoke-token", required=True),
            "revocation_endpoint_auth_methods_supported":
                oauth2_settings.OIDC_TOKEN_ENDPOINT_AUTH_METHODS_SUPPORTED,
            "claims_parameter_supported": False,
            "request_parameter_supported": False,
            "request_uri_parameter_supported": False,
            **backchannel.discovery_metadata(),
        })
        data.pop("client_id_metadata_document_supported", None)
        response = JsonResponse(data)
        response["Access-Control-Allow-Origin"] = "*"
        return response


@never_cache
def product_launch(request, pk):
    """A granted product's tile: like ``launch``, to the product's start URL, for a pupil who
    holds a valid grant of it (ProductGrant); its software's /o/authorize/ then lets them in by
    the same grant (SoftwareQuerySet.licensed_for)."""
    product = get_object_or_404(Product.objects.select_related("software").defer("icon"), pk=pk)
    user = request.user
    if not user.is_authenticated:
        return redirect("homelogin:home")
    pupil = getattr(user, "pupil", None) if user.kind == User.Kind.PUPIL else None
    if pupil is None or not pupil.active or not Product.objects.granted_to(pupil).filter(pk=pk).exists():
        return _not_licensed(request, product.software)
    separator = "&" if "?" in product.launch_url else "?"
    return redirect(f"{product.launch_url}{separator}{urlencode({'iss': settings.SITE_URL})}")


@cache_control(public=True, max_age=ICON_CACHE_SECONDS, immutable=True)
def product_icon(request, pk, icon_hash):
    """A product's icon, from our own origin: the hash in the URL changes with the icon, so it
    may be cached for a year. Only PNG and WebP were accepted (no SVG), and nosniff keeps a
    browser from reading the bytes as anything else."""
    product = get_object_or_404(Product.objects.only("icon", "icon_hash"), pk=pk, icon_hash=icon_hash)
    data = bytes(product.icon or b"")
    kind = icon_type(data)
    if kind is None:
        raise Http404
    response = HttpResponse(data, content_type=ICON_TYPES[kind])
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'"
    return response
