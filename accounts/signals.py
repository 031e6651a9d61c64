import time

from django.contrib.auth.models import update_last_login
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from basispoort.middleware import SESSION_LIMITS_KEY, SESSION_SEEN, SESSION_STARTED

from .models import User


def limits_for(user):
    """Which of settings.SESSION_LIMITS a session of ``user`` keeps: staff's (the stricter) for
    platform staff and any adult with a staff membership, parents' for the other adults."""
    if user.kind == User.Kind.ADMIN or user.school_roles.exists():
        return "staff"
    return "guardian"


@receiver(user_logged_in)
def start_session_clock(sender, request, user, **kwargs):
    """The session limits count from the login (basispoort/middleware.py), and publishers learn
    it as the ID token's auth_time (max_age is measured from it too); written with the login's
    own session save, so no request pays for a second write."""
    if request is not None and hasattr(request, "session"):
        now = time.time()
        request.session[SESSION_STARTED] = now
        request.session[SESSION_SEEN] = now
        if user.kind != User.Kind.PUPIL:
            request.session[SESSION_LIMITS_KEY] = limits_for(user)


# Django's own receiver writes User.last_login at every login. A pupil's login is recorded in the
# audit log and on Pupil (school and home apart), so for pupils that third write is left out.
user_logged_in.disconnect(update_last_login, dispatch_uid="update_last_login")


@receiver(user_logged_in)
def update_adults_last_login(sender, request, user, **kwargs):
    if user.kind != User.Kind.PUPIL:
        update_last_login(sender, user, **kwargs)
