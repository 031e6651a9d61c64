import time

from django.utils import timezone

from pupils.middleware import SESSION_DEVICE, SESSION_SEEN, SESSION_SINCE
from pupils.views import SESSION_GATE


def log_in_pupil(client, pupil, gate="school", device=None):
    """A pupil session as pupil_login makes it, without going through a PIN pad."""
    client.force_login(pupil.user, backend="pupils.backends.PupilSecretBackend")
    session = client.session
    session.update({SESSION_GATE: gate, SESSION_SINCE: timezone.localdate().isoformat(),
                    SESSION_SEEN: time.time(), SESSION_DEVICE: device})
    session.save()


def connect(client, teacher, group):
    """A teacher makes ``client`` a classroom device of ``group`` (and is logged out by it)."""
    client.force_login(teacher.user)
    return client.post("/klas/instellen/", {"group": group.pk})
