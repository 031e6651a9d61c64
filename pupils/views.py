import secrets
import time

from django.conf import settings
from django.contrib.auth import authenticate, login, logout
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from accounts.models import User
from basispoort import lockout
from basispoort.cookies import cookie_name
from schools.decorators import teacher_required
from schools.models import Teacher
from software import signon
from software.models import Software

from .forms import PictureForm, PinForm
from .middleware import SESSION_DEVICE, SESSION_SEEN, SESSION_SINCE
from .models import Pupil
from .pictures import PICTURES, grid_for

CLASSROOM_COOKIE = "bp_klas"
CLASSROOM_SALT = "pupils.classroom"
SESSION_GATE = "pupil_gate"  # "school" or "home": which software the overview may show
SESSION_RETURN = "pupil_return"  # where "Uitloggen" leads: the tiles this pupil came from


# Classroom device: a signed cookie "<group id>:<teacher id>:<device id>". It stays valid while
# that teacher may still see that group, so taking a teacher off a group also switches off their
# devices. The device id (random, made when the teacher connects the device) is what failed
# PINs are slowed down per: one tablet, not the whole class.


def _classroom_cookie(request):
    value = request.get_signed_cookie(
        cookie_name(CLASSROOM_COOKIE), default="", salt=CLASSROOM_SALT,
        max_age=settings.CLASSROOM_COOKIE_AGE,
    )
    group_id, teacher_id, device_id = (value.split(":") + ["", ""])[:3]
    if not (group_id.isdigit() and teacher_id.isdigit()):
        return None, None, None
    return group_id, teacher_id, f"klas:{group_id}:{teacher_id}:{device_id}"


def _classroom_group(request):
    group_id, teacher_id, _device = _classroom_cookie(request)
    if group_id is None:
        return None
    teacher = Teacher.objects.filter(pk=teacher_id, user__is_active=True).first()
    if teacher is None:
        return None
    return (
        teacher.visible_groups().select_related("school")
        .filter(pk=group_id, school__active=True).first()
    )


@never_cache
def classroom(request):
    """/klas/: the group's name tiles on a classroom device; the set-up page for a teacher."""
    group = _classroom_group(request)
    teacher = Teacher.objects.for_user(request.user)
    if teacher:
        return render(request, "pupils/classroom_setup.html", {
            "groups": teacher.visible_groups(), "connected_group": group,
        })
    if group is None:
        return render(request, "pupils/classroom_not_connected.html")
    return render(request, "pupils/tile_picker.html", {
        "tiles": tile_labels(Pupil.objects.for_group(group), "pupils:classroom_pupil"),
        "heading": group.name, "group": group, "gate": "school",
    })


@require_POST
@teacher_required
def classroom_connect(request):
    group_id = request.POST.get("group", "")
    if not group_id.isdigit():
        raise Http404
    group = get_object_or_404(request.teacher.visible_groups(), pk=group_id)
    teacher_id = request.teacher.pk
    # The teacher's own session ends here: from now on the device shows the tiles to anyone.
    logout(request)
    response = redirect("pupils:classroom")
    response.set_signed_cookie(
        cookie_name(CLASSROOM_COOKIE), f"{group.pk}:{teacher_id}:{secrets.token_hex(8)}",
        salt=CLASSROOM_SALT,
        max_age=settings.CLASSROOM_COOKIE_AGE, httponly=True, samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE,
    )
    return response


@require_POST
@teacher_required
def classroom_disconnect(request):
    response = redirect("pupils:classroom")
    response.delete_cookie(cookie_name(CLASSROOM_COOKIE), samesite="Lax")
    return response


@never_cache
def classroom_pupil(request, pk):
    group = _classroom_group(request)
    if group is None:
        return redirect("pupils:classroom")
    pupil = get_object_or_404(
        Pupil.objects.active().select_related("school", "group", "user"), pk=pk, group=group
    )
    return pupil_login(request, pupil, gate="school", tiles_url=reverse("pupils:classroom"),
                       device_key=_classroom_cookie(request)[2])


def tile_labels(pupils, viewname):
    """[(pupil, label, url)] for a list of name tiles: the first name, plus the last-name
    initial when two pupils in the list share a first name; each tile links to ``viewname``."""
    pupils = list(pupils)
    url = reverse(viewname, args=[0]).replace("/0/", "/{}/")  # one reverse() for the whole class
    labels = Pupil.tile_labels(pupils)
    return [(pupil, labels[pupil.pk], url.format(pupil.pk)) for pupil in pupils]


def pupil_login(request, pupil, *, gate, tiles_url, device_key, logout_url=None, device=None):
    """The PIN pad or picture grid for ``pupil``, at school or at home (``gate``); every gate's
    last step. ``tiles_url`` is the "Terug" link; "Uitloggen" later leads to ``logout_url``
    (default: the tiles again). ``device_key`` names the device or parent session the attempt
    comes from, for slowing down failures across pupils (basispoort/lockout.py). ``device`` is
    the home device's entry id: the session ends when that entry is revoked.

    Every check goes through authenticate(), so django-axes counts failures per pupil and gate
    and refuses a locked pupil before the secret is looked at. A success logs the pupil in as
    their own User with a new session key: whoever was logged in on this browser before (a
    parent) is logged out.
    """
    key = lockout.pupil_key(pupil, gate)
    pictures = pupil.secret_kind == Pupil.SecretKind.PICTURE
    context = {"pupil": pupil, "gate": gate, "back_url": tiles_url, "error": None}
    status = 200

    if request.method == "POST":
        form = PictureForm(request.POST, school=pupil.school) if pictures else PinForm(request.POST)
        if pictures and form.is_valid() and not form.complete:
            pass  # without JavaScript: ask for the next picture
        elif form.is_valid() and lockout.pupil_gate_slowed(request, device=device_key):
            context["error"], status = "slow", 429
            form = PictureForm(school=pupil.school) if pictures else PinForm()
        elif form.is_valid():
            secret = form.cleaned_data["pictures" if pictures else "pin"]
            with transaction.atomic():
                Pupil.objects.lock_for_attempt(pupil.pk)
                user = authenticate(request, username=key, pupil=pupil, secret=secret, gate=gate)
            if user is not None:
                login(request, user, backend="pupils.backends.PupilSecretBackend")
                lockout.succeeded(key)
                request.session.update({
                    SESSION_GATE: gate, SESSION_SINCE: timezone.localdate().isoformat(),
                    SESSION_SEEN: time.time(), SESSION_DEVICE: device,
                })
                Pupil.objects.filter(pk=pupil.pk).update(
                    **{"last_login_school" if gate == "school" else "last_login_home": timezone.now()}
                )
                request.session[SESSION_RETURN] = logout_url or tiles_url
                # A login a publisher started (software/signon.py) continues there.
                return signon.forget(redirect(signon.pending(request) or "pupils:overview"))
            if lockout.was_locked(request):
                context["error"], status = "locked", 429
            else:
                context["error"], status = "wrong", 403
                lockout.pupil_gate_failed(request, device=device_key)
            form = PictureForm(school=pupil.school) if pictures else PinForm()
        else:
            context["error"], status = "invalid", 400
    else:
        form = PictureForm(school=pupil.school) if pictures else PinForm()
        if lockout.is_locked(request, key):
            context["error"], status = "locked", 429

    if pictures:
        picked = form.cleaned_data.get("pictures", []) if form.is_bound and form.is_valid() else []
        context.update({
            "grid": [(slug, PICTURES[slug]) for slug in grid_for(pupil.school)],
            "picked": picked,
            "length": pupil.school.picture_password_length,
            "steps": range(1, pupil.school.picture_password_length + 1),
        })
    context["form"] = form
    return signon.allow_form_redirect(request, render(request, "pupils/secret.html", context, status=status))


def _logged_in_pupil(request):
    """The logged-in pupil, as PupilSessionMiddleware found them still allowed in."""
    if not request.user.is_authenticated or request.user.kind != User.Kind.PUPIL:
        return None
    return getattr(request, "pupil", None)


@never_cache
def overview(request):
    """The software overview after a pupil logged in: school licences at school, home-use
    licences only at home."""
    pupil = _logged_in_pupil(request)
    if pupil is None:
        return redirect("home")
    at_home = request.session.get(SESSION_GATE) != "school"
    return render(request, "pupils/overview.html", {
        "pupil": pupil,
        "software": Software.objects.licensed_for(pupil, at_home=at_home).select_related("publisher"),
        "at_home": at_home,
    })


@require_POST
def pupil_logout(request):
    """"Uitloggen": the pupil's session ends, and the browser goes back to where the pupil came
    from: the classroom tiles, the home device's tiles, or the parents' login."""
    return_url = request.session.get(SESSION_RETURN)
    logout(request)
    if not (return_url and url_has_allowed_host_and_scheme(return_url, allowed_hosts=None)):
        return_url = reverse("home")
    return redirect(return_url)
