import socket
import threading
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


class SilentServer:
    """Accepts connections and never answers: a Redis or mail server that hangs."""

    def __init__(self):
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.accepted = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                conn, _address = self.sock.accept()
            except OSError:
                return
            self.accepted.append(conn)

    def close(self):
        for conn in self.accepted:
            conn.close()
        self.sock.close()
