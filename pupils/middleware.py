from functools import partial

from django.contrib.auth import logout
from django.urls import reverse

from accounts.models import User

from . import classroom, session


def _tiles_url(request):
    """Where a pupil on this browser picks their tile: the tiles they came from, else the
    classroom's tiles on a classroom device; None elsewhere."""
    if request.pupil_gate:
        return session.return_url(request)
    return reverse("pupils:classroom") if classroom.is_classroom_device(request) else None


def _classroom_device(request):
    return classroom.device_id(request) if request.pupil_gate == "school" else None


def _home_device(request):
    entry = session.device_entry(request) if request.pupil_gate == "home" else None
    return entry if isinstance(entry, int) else None


class PupilSessionMiddleware:
    """Ends a pupil's session that may not go on (pupils/session.py) before any view runs, and
    tells the apps below pupils/ (the OpenID Connect provider) what they need to know without
    importing it: ``request.pupil``, ``request.pupil_gate`` ("school", "home" or None),
    ``request.pupil_tiles_url()``, ``request.pupil_classroom_device()`` (the classroom
    device's id a school session runs on, or None) and ``request.pupil_home_device()`` (the
    home device entry a home session runs on, or None)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated and user.kind == User.Kind.PUPIL and not session.still_valid(request):
            logout(request)
        request.pupil_gate = session.gate(request)
        request.pupil_tiles_url = partial(_tiles_url, request)
        request.pupil_classroom_device = partial(_classroom_device, request)
        request.pupil_home_device = partial(_home_device, request)
        return self.get_response(request)
