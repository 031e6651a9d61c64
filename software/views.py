from urllib.parse import urlencode

from django.conf import settings
from django.core.exceptions import DisallowedRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from oauth2_provider.exceptions import OAuthToolkitError
from oauth2_provider.views import AuthorizationView

from pupils.views import SESSION_GATE

from .models import Software


def _at_home(request):
    return request.session.get(SESSION_GATE) != "school"


def _may_use(request, software):
    """The one licence check: the overview lists, the launch and the authorize step allow,
    exactly Software.objects.available_to()."""
    return Software.objects.available_to(request.user, at_home=_at_home(request)).filter(
        pk=software.pk
    ).exists()


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
        return redirect("home")
    if not _may_use(request, software):
        return _not_licensed(request, software)
    separator = "&" if "?" in software.launch_url else "?"
    return redirect(f"{software.launch_url}{separator}{urlencode({'iss': settings.SITE_URL})}")


class LicensedAuthorizationView(AuthorizationView):
    """/o/authorize/: a logged-in pupil or teacher gets a code at once (no consent screen) for
    software their school licenses for them; anyone else gets access_denied and a Dutch page."""

    skip_authorization_completely = True
    http_method_names = ["get", "head", "options"]  # no consent form, so nothing to POST
    login_url = "/"

    def get(self, request, *args, **kwargs):
        try:
            _scopes, credentials = self.validate_authorization_request(request)
        except OAuthToolkitError as error:
            return self.error_response(error, application=None)  # bad client or redirect URI
        software = Software.objects.filter(application__client_id=credentials["client_id"]).first()
        if software is None or not _may_use(request, software):
            denied = urlencode({k: v for k, v in
                                {"error": "access_denied", "state": credentials.get("state")}.items() if v})
            return _not_licensed(request, software, back_url=f"{credentials['redirect_uri']}?{denied}")
        try:
            return super().get(request, *args, **kwargs)
        except DisallowedRedirect:
            # A redirect URI registered with a scheme production does not allow (plain http).
            return render(request, "oauth2_provider/authorize.html",
                          {"error": {"error": "invalid_request"}}, status=400)
