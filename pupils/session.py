"""The pupil session, in one place: its keys, how it starts and ends, and who is logged in.

Pupil sessions live on shared devices (a classroom tablet, the family laptop), so they end by
themselves (``still_valid``): after PUPIL_SESSION_IDLE seconds without a request, at the end of
the day, when the server's clock steps backwards (idle time cannot be measured then), and at
once when the pupil is deactivated or home login is switched off (at home). The home device a
pupil came in on is checked by homelogin's own middleware.
"""

import time
from datetime import datetime

from django.conf import settings
from django.contrib.auth import login, logout
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme

from accounts.models import User
from basispoort.compiled import CompiledUpdate
from basispoort.middleware import clock_went_back
from basispoort.sessions import write_with_login
from software import backchannel

from .models import Pupil

GATE = "pupil_gate"  # "school" or "home": which software the overview may show
SINCE = "pupil_since"  # the day the pupil logged in
SEEN = "pupil_seen"  # when the pupil last did something (epoch seconds)
DEVICE = "pupil_device"  # the home device entry (DeviceGrantPupil id) the pupil came in on
RETURN = "pupil_return"  # where "Uitloggen" leads: the tiles this pupil came from


# "Last logged in" at school and at home, for the teacher (built once per process: every login).
_LAST_LOGIN = {
    gate: CompiledUpdate(lambda pk, when, field=field: (Pupil.objects.filter(pk=pk), {field: when}),
                         pk=int, when=datetime)
    for gate, field in [("school", "last_login_school"), ("home", "last_login_home")]
}


def start(request, pupil, *, gate, return_url, device=None):
    """Log ``pupil`` in on ``gate`` with a new session key: whoever was logged in on this
    browser before (a parent, a sibling) is logged out, also at the publishers they opened."""
    backchannel.end_session(request)  # login() drops the session without user_logged_out
    login(request, pupil.user, backend="pupils.backends.PupilSecretBackend")
    request.session.update({
        GATE: gate, SINCE: timezone.localdate().isoformat(), SEEN: time.time(), DEVICE: device,
        RETURN: return_url,
    })
    # Written with the new session and the login's audit entry, in one statement.
    write_with_login(request, _LAST_LOGIN["school" if gate == "school" else "home"].write(
        pk=pupil.pk, when=timezone.now()))


def end(request):
    """"Uitloggen": the session ends; returns where the browser goes next (the tiles the pupil
    came from, or the start page)."""
    return_url = request.session.get(RETURN)
    logout(request)
    if return_url and url_has_allowed_host_and_scheme(return_url, allowed_hosts=None):
        return return_url
    return None


def logged_in_pupil(request):
    """The logged-in pupil, as the middleware found them still allowed in; else None."""
    if not request.user.is_authenticated or request.user.kind != User.Kind.PUPIL:
        return None
    return getattr(request, "pupil", None)


def gate(request):
    """"school" or "home" for a pupil's session; None for anyone else."""
    return request.session.get(GATE) if logged_in_pupil(request) else None


def device_entry(request):
    return request.session.get(DEVICE)


def return_url(request):
    return request.session.get(RETURN)


def still_valid(request):
    """True while the logged-in pupil's session may go on; sets ``request.pupil``."""
    session, now = request.session, time.time()
    if session.get(SINCE) != timezone.localdate().isoformat():
        return False
    seen = session.get(SEEN, 0)
    if now - seen > settings.PUPIL_SESSION_IDLE or clock_went_back(now, seen):
        return False
    if now - seen > 60:  # write the session at most once a minute
        session[SEEN] = now
    pupil = getattr(request.user, "pupil", None)  # loaded with the user (pupils/backends.py)
    if pupil is None or not (pupil.active and pupil.school.active):
        return False
    request.pupil = pupil
    return session.get(GATE) == "school" or pupil.can_log_in_at_home()
