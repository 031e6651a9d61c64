from axes.helpers import get_client_ip_address
from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib.auth import authenticate
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.timezone import now as timezone_now
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from basispoort.cookies import cookie_name
from basispoort.throttle import throttled, throttled_response
from pupils.models import Pupil
from pupils.views import pupil_login, tile_labels

from .forms import CodeForm
from .models import DeviceGrant, HomeLoginCode
from .services import remember_on_device

DEVICE_SALT = "homelogin.device"


# The device cookie: signed, HttpOnly, SameSite=Lax; outside DEBUG also Secure with the __Host-
# prefix (no Domain, path /). It holds only a random token; the server keeps its hash.


def device_cookie_name():
    return cookie_name("bp_thuis")


def _device_token(request):
    return request.get_signed_cookie(
        device_cookie_name(), default="", salt=DEVICE_SALT, max_age=settings.HOME_LOGIN_COOKIE_AGE
    )


def _device_grant(request):
    return DeviceGrant.objects.for_token(_device_token(request))


def _device_tiles(grant):
    pupils = list(grant.visible_pupils()) if grant else []
    return tile_labels(pupils, "homelogin:device_pupil")


@never_cache
def home(request):
    """The start page. On a home device that remembers pupils, their tiles are right there."""
    return render(request, "home.html", {"tiles": _device_tiles(_device_grant(request))})


@never_cache
def code_entry(request):
    """"Ik heb een thuis login code": a correct code makes this device remember the pupil."""
    form = CodeForm(request.POST or None)
    error, status = None, 200
    if request.method == "POST":
        if throttled(request, "home_code"):
            return throttled_response(request)
        if not form.is_valid():
            return render(request, "homelogin/code.html", {"form": form}, status=400)
        selector, verifier = form.cleaned_data["code"]
        code = (
            HomeLoginCode.objects.current().select_related("pupil__school", "pupil__user")
            .filter(selector=selector).first()
        )
        if code is None:
            # No such code: the guess counts against the client's IP address.
            authenticate(request, username=f"code-ip:{get_client_ip_address(request)}")
            error = "locked_ip" if getattr(request, "axes_locked_out", False) else "wrong"
        else:
            pupil = code.pupil
            with transaction.atomic():
                Pupil.objects.lock_for_attempt(pupil.pk)
                user = authenticate(request, username=pupil.lockout_key("home"), home_code=code,
                                    verifier=verifier)
            if user is None:
                error = "locked" if getattr(request, "axes_locked_out", False) else "wrong"
            elif not pupil.can_log_in_at_home():
                error = "disabled"
            else:
                axes_reset(username=pupil.lockout_key("home"))  # a success resets the count
                token = remember_on_device(token=_device_token(request), code=code)
                response = redirect("homelogin:device")
                response.set_signed_cookie(
                    device_cookie_name(), token, salt=DEVICE_SALT,
                    max_age=settings.HOME_LOGIN_COOKIE_AGE, httponly=True, samesite="Lax",
                    secure=settings.SESSION_COOKIE_SECURE,
                )
                return response
        status = {"wrong": 403, "disabled": 403}.get(error, 429)
        form = CodeForm()
    return render(request, "homelogin/code.html", {"form": form, "error": error}, status=status)


@never_cache
def device_tiles(request):
    """The tiles of the pupils this device remembers; later visits start here."""
    grant = _device_grant(request)
    tiles = _device_tiles(grant)
    if not tiles:
        return redirect("homelogin:code")
    DeviceGrant.objects.filter(pk=grant.pk).update(last_used_at=timezone_now())
    return render(request, "pupils/tile_picker.html", {
        "tiles": tiles, "heading": _("Wie ben jij?"), "gate": "home",
        "add_code_url": reverse("homelogin:code"),
    })


@never_cache
def device_pupil(request, pk):
    grant = _device_grant(request)
    if grant is None:
        return redirect("homelogin:code")
    pupil = get_object_or_404(grant.visible_pupils().select_related("user", "group"), pk=pk)
    code_id = grant.entries.filter(pupil=pupil).values_list("code_id", flat=True).get()
    return pupil_login(request, pupil, gate="home", tiles_url=reverse("homelogin:device"),
                       device=[grant.pk, code_id])
