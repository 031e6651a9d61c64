from django.contrib.auth import logout

from pupils import session

from .models import DeviceGrantPupil


class HomeDeviceSessionMiddleware:
    """A pupil who came in on a home device stays logged in only while that device may show
    them: the entry (not the device) is checked, so once a teacher or parent revokes it, the
    session never comes back — not even when the same code is typed again on that device.
    Runs after PupilSessionMiddleware (pupils/session.py), which found the pupil."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        entry = session.device_entry(request) if request.pupil_gate == "home" else None
        if entry is not None and not (isinstance(entry, int) and DeviceGrantPupil.objects.filter(
            pk=entry, pupil=request.pupil,
            grant__revoked_at__isnull=True, code__revoked_at__isnull=True,
        ).exists()):
            logout(request)
            request.pupil_gate = None
        return self.get_response(request)
