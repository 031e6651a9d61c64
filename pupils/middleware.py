import time

from django.conf import settings
from django.contrib.auth import logout
from django.utils import timezone

from accounts.models import User
from basispoort.middleware import clock_went_back

from .models import Pupil

SESSION_SINCE = "pupil_since"  # the day the pupil logged in
SESSION_SEEN = "pupil_seen"  # when the pupil last did something (epoch seconds)
SESSION_DEVICE = "pupil_device"  # the home device entry (DeviceGrantPupil id) the pupil came in on


class PupilSessionMiddleware:
    """Pupil sessions live on shared devices (a classroom tablet, the family laptop), so they
    end by themselves: after PUPIL_SESSION_IDLE seconds without a request, at the end of the
    day, when the server's clock steps backwards (idle time cannot be measured then), and at
    once when the pupil is deactivated, home login is switched off (at home), or the home login
    code they came in with is reissued."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated and user.kind == User.Kind.PUPIL and not self._still_valid(request):
            logout(request)
        return self.get_response(request)

    def _still_valid(self, request):
        from pupils.views import SESSION_GATE  # views import this module's names

        session, now = request.session, time.time()
        if session.get(SESSION_SINCE) != timezone.localdate().isoformat():
            return False
        seen = session.get(SESSION_SEEN, 0)
        if now - seen > settings.PUPIL_SESSION_IDLE or clock_went_back(now, seen):
            return False
        if now - session[SESSION_SEEN] > 60:  # write the session at most once a minute
            session[SESSION_SEEN] = now
        pupil = Pupil.objects.active().select_related("school", "group").filter(user=request.user).first()
        if pupil is None:
            return False
        request.pupil = pupil  # the views need it too: one query, not two
        if session.get(SESSION_GATE) == "school":
            return True
        if not pupil.can_log_in_at_home():
            return False
        device = session.get(SESSION_DEVICE)
        if device is None:
            return True
        from homelogin.models import DeviceGrantPupil

        # The entry, not the device: once a teacher or parent revokes it, this session never
        # comes back, not even when the same code is entered again on the same device.
        return isinstance(device, int) and DeviceGrantPupil.objects.filter(
            pk=device, pupil=pupil, grant__revoked_at__isnull=True, code__revoked_at__isnull=True,
        ).exists()
