from django.conf import settings
from django.contrib.auth import authenticate
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.timezone import now as timezone_now
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from basispoort import lockout
from basispoort.cookies import cookie_name, get_signed_cookie, set_cookie
from basispoort.throttle import throttled, throttled_response
from pupils import session
from pupils.gate import pupil_login, tile_labels, tile_page
from pupils.models import Pupil

from .code_forms import CodeForm
from .devices import device_label
from .models import DeviceGrant, DeviceGrantPupil, HomeLoginCode, RescueCode
from .services import redeem_rescue_code, remember_on_device

# The device cookie (basispoort/cookies.py: signed, HttpOnly, SameSite=Lax, on HTTPS Secure with
# the __Host- prefix) holds only a random token; the server keeps its hash (DeviceGrant).
DEVICE_COOKIE = "bp_thuis"
DEVICE_SALT = "homelogin.device"


def device_cookie_name():
    return cookie_name(DEVICE_COOKIE)


def _device_token(request):
    return get_signed_cookie(request, DEVICE_COOKIE, salt=DEVICE_SALT,
                             max_age=settings.HOME_LOGIN_COOKIE_AGE) or ""


def _device_grant(request):
    return DeviceGrant.objects.for_token(_device_token(request))


def _device_tiles(grant):
    pupils = list(grant.visible_pupils()) if grant else []
    return tile_labels(pupils, "homelogin:code_device_pupil")


@never_cache
def home(request):
    """The start page. On a home device that remembers pupils, their tiles are right there."""
    return render(request, "home.html", {"tiles": _device_tiles(_device_grant(request))})


@never_cache
def code_entry(request):
    """"Ik heb een thuis login code": a correct card code, or a rescue code a parent or teacher
    made, makes this device remember the pupil."""
    form = CodeForm(request.POST or None)
    error, status = None, 200
    if request.method == "POST":
        if throttled(request, "home_code"):
            return throttled_response(request)
        if not form.is_valid():
            return render(request, "homelogin/code.html", {"form": form}, status=400)
        kind, *parts = form.cleaned_data["code"]
        # Wrong codes count against the client's address, never against a pupil: a code is
        # not a pupil's own gate, and a guessed selector must not lock a child's home account.
        # While the address is locked every code answers the same, known or not. Card codes
        # and rescue codes count on the one counter.
        ip_key = lockout.code_ip_key(request)
        if lockout.is_locked(request, ip_key):
            error = "locked_ip"
        elif kind == "rescue":
            error, response = _rescue_code_entry(request, ip_key, parts[0])
            if response is not None:
                return response
        else:
            error, response = _card_code_entry(request, ip_key, *parts)
            if response is not None:
                return response
        status = {"wrong": 403, "disabled": 403}.get(error, 429)
        form = CodeForm()
    return render(request, "homelogin/code.html", {"form": form, "error": error}, status=status)


def _remembered(request, token):
    return set_cookie(redirect("homelogin:code_device_tiles"), DEVICE_COOKIE, token,
                      salt=DEVICE_SALT, max_age=settings.HOME_LOGIN_COOKIE_AGE)


def _card_code_entry(request, ip_key, selector, verifier):
    """(error, None) or (None, the response that sets the device cookie)."""
    code = (
        HomeLoginCode.objects.current().select_related("pupil__school", "pupil__user")
        .filter(selector=selector).first()
    )
    with transaction.atomic():
        if code is not None:  # parallel guesses at one code are checked one by one
            Pupil.objects.lock_for_attempt(code.pupil_id)
        user = authenticate(request, username=ip_key, gate="code", home_code=code, verifier=verifier)
    if user is None:
        return ("locked_ip" if lockout.was_locked(request) else "wrong"), None
    if not code.pupil.can_log_in_at_home():
        return "disabled", None
    token = remember_on_device(token=_device_token(request), code=code,
                               label=device_label(request.headers.get("User-Agent")))
    return None, _remembered(request, token)


def _rescue_code_entry(request, ip_key, text):
    rescue_code = RescueCode.objects.find(text)
    user = authenticate(request, username=ip_key, gate="code", rescue_code=rescue_code)
    if user is None:
        return ("locked_ip" if lockout.was_locked(request) else "wrong"), None
    if not rescue_code.pupil.can_log_in_at_home():
        return "disabled", None
    token = redeem_rescue_code(rescue_code=rescue_code, token=_device_token(request),
                               label=device_label(request.headers.get("User-Agent")), request=request)
    if token is None:  # a parallel request used it a moment ago
        return "wrong", None
    return None, _remembered(request, token)


@never_cache
def code_device_tiles(request):
    """The tiles of the pupils this device remembers; later visits start here."""
    grant = _device_grant(request)
    tiles = _device_tiles(grant)
    if not tiles:
        return redirect("homelogin:code_entry")
    DeviceGrant.objects.filter(pk=grant.pk).update(last_used_at=timezone_now())
    return tile_page(request, tiles, heading=_("Wie ben jij?"), gate="home",
                     add_code_url=reverse("homelogin:code_entry"))


@never_cache
def code_device_pupil(request, pk):
    grant = _device_grant(request)
    if grant is None:
        return redirect("homelogin:code_entry")
    pupil = get_object_or_404(grant.visible_pupils().select_related("user", "group"), pk=pk)
    entry_id = grant.entries.filter(pupil=pupil).values_list("pk", flat=True).get()
    response = pupil_login(request, pupil, gate="home", tiles_url=reverse("homelogin:code_device_tiles"),
                           device_key=f"thuis:{grant.pk}", device=entry_id)
    if request.method == "POST" and session.device_entry(request) == entry_id:
        # Logged in on this device: parents and the teacher see when it was last used.
        now = timezone_now()
        DeviceGrantPupil.objects.filter(pk=entry_id).update(last_used_at=now)
        DeviceGrant.objects.filter(pk=grant.pk).update(last_used_at=now)
    return response
