import time

from csp.middleware import CSPMiddleware
from django.conf import settings
from django.contrib.auth import logout
from django.shortcuts import render
from django.utils import translation
from django.utils.cache import patch_cache_control


class DutchFirstLocaleMiddleware:
    """Dutch unless the visitor chose another language with the switcher (the language cookie).

    Django's LocaleMiddleware would follow the browser's Accept-Language, and a school tablet
    set up in English would then greet six-year-olds in English.

    The staff pages (settings.STAFF_PATH) exist in Dutch and English only (STAFF_LANGUAGES):
    in any other language they are Dutch, and say so (lang="nl", left to right), instead of
    Dutch text marked as Arabic that a screen reader reads with an Arabic voice and that
    prints right to left.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen if chosen in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
        if language not in settings.STAFF_LANGUAGES and request.path_info.startswith(settings.STAFF_PATH):
            language = settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        translation.deactivate()
        return response


def upload_limit(megabytes):
    """A view that takes uploads of at most ``megabytes`` MB; UploadLimitMiddleware refuses a
    bigger POST before anything reads it. Put it closest to the view: functools.wraps carries the
    mark out through the other decorators."""

    def decorator(view):
        view.upload_limit_mb = megabytes
        return view

    return decorator


class UploadLimitMiddleware:
    """413 with a Dutch page for a POST whose Content-Length is over its view's upload_limit,
    before the body is read. It must come before CsrfViewMiddleware: that check reads the whole
    multipart body (request.POST) before any view could look at its size, so a 60 MB upload
    would be parsed to disk before being refused."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        megabytes = getattr(view_func, "upload_limit_mb", None)
        if megabytes is None or request.method != "POST":
            return None
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0  # not a number: Django's own parsing refuses it later
        if length <= megabytes * 1024 * 1024:
            return None
        return render(request, "upload_too_big.html", {"megabytes": megabytes}, status=413)


class NoStoreWhenLoggedInMiddleware:
    """Nothing a logged-in person sees is kept by the browser or a proxy: on a shared device the
    back button after "Uitloggen" must not show the previous pupil's page."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        logged_in = request.user.is_authenticated
        response = self.get_response(request)
        if logged_in or request.user.is_authenticated:
            patch_cache_control(response, no_store=True, no_cache=True, must_revalidate=True,
                                private=True, max_age=0)
        return response


SESSION_STARTED = "session_started"  # when this login happened (epoch seconds)
SESSION_SEEN = "session_seen"  # when this adult last did something
SESSION_LIMITS_KEY = "session_limits"  # "staff" or "guardian": which of SESSION_LIMITS applies
# Session limits are measured on the wall clock, which can step backwards (a server's clock
# corrected, a virtual machine restored). A request that seems to come before the last one by
# more than this many seconds ends the session: otherwise a step back would stretch every limit
# by its size. App servers' clocks (NTP) differ by far less.
CLOCK_STEP_TOLERANCE = 5


def clock_went_back(now, *earlier):
    """True when ``now`` is before one of the ``earlier`` times by more than the tolerance."""
    return any(now < moment - CLOCK_STEP_TOLERANCE for moment in earlier)


class AdultSessionLimitsMiddleware:
    """Staff and parents' sessions end by themselves: after SESSION_LIMITS[which] = (idle
    seconds, absolute seconds) — for staff 30 minutes idle and 12 hours in all, for parents a
    few hours idle. Which one is chosen at login (accounts/signals.py): staff's for platform
    staff and for any adult with a staff membership. A teacher who walks away from the classroom
    computer is logged out before the next lesson is over. A clock that steps backwards ends
    the session too. (Pupils' sessions have their own, shorter rules: pupils/middleware.py.)"""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated and user.kind != user.Kind.PUPIL:
            session, now = request.session, time.time()
            idle, absolute = settings.SESSION_LIMITS.get(session.get(SESSION_LIMITS_KEY), (0, 0))
            # Set at login (accounts/signals.py); a session without them is from before these
            # limits existed and ends now.
            started, seen = session.get(SESSION_STARTED, 0), session.get(SESSION_SEEN, 0)
            if now - seen > idle or now - started > absolute or clock_went_back(now, started, seen):
                logout(request)
            elif now - seen > 60:  # the session is written at most once a minute
                session[SESSION_SEEN] = now
        return self.get_response(request)


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's middleware, without the header on a redirect: a browser shows nothing of a
    redirect's response, so no policy can apply to it (the form-action that allows a login's
    redirect to a publisher is the form page's own: software/signon.py). Every PIN login ends
    in one, and building the policy cost it more than any one of its cache commands."""

    def process_response(self, request, response):
        if response.status_code in (301, 302, 303, 307, 308) and response.has_header("Location"):
            return response
        return super().process_response(request, response)
