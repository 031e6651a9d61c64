import time

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from basispoort.middleware import SESSION_SEEN, SESSION_STARTED


@receiver(user_logged_in)
def start_session_clock(sender, request, user, **kwargs):
    """The session limits count from the login (basispoort/middleware.py), and publishers learn
    it as the ID token's auth_time (max_age is measured from it too); written with the login's
    own session save, so no request pays for a second write."""
    if request is not None and hasattr(request, "session"):
        now = time.time()
        request.session[SESSION_STARTED] = now
        request.session[SESSION_SEEN] = now
