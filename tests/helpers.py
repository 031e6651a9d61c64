import base64
import hashlib
import secrets
import socket
import threading
from importlib import import_module
from urllib.parse import parse_qs, urlparse

from django.conf import settings
from django.http import HttpRequest
from joserfc import jwt
from joserfc.jwk import KeySet
from oauth2_provider.models import Application

from accounts.password_links import MAIL_THREAD_NAME
from pupils import session


def log_in_pupil(client, pupil, gate="school", device=None, return_url="/klas/"):
    """A pupil session started as the PIN pad starts it (pupils/session.py), without the pad."""
    request = HttpRequest()
    request.session = client.session or import_module(settings.SESSION_ENGINE).SessionStore()
    session.start(request, pupil, gate=gate, return_url=return_url, device=device)
    request.session.save()
    client._set_login_cookies(request)


def log_in_staff(client, user):
    """``client.force_login`` plus the second step done, as a staff member whose role needs one
    (IB'er/RT'er, ICT-coördinator) would be after typing the app's code. Makes the app (a
    confirmed TOTP device) when the user has none; returns it."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    client.force_login(user)
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        if not user.school_roles.filter(role__in=["ib_rt", "ict_coordinator"]).exists():
            return None  # no second step: a plain login
        device = TOTPDevice.objects.create(user=user, name="test", confirmed=True)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return device


def connect(client, teacher, group):
    """A teacher makes ``client`` a classroom device of ``group`` (and is logged out by it)."""
    log_in_staff(client, teacher.user)
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


# OpenID Connect as a publisher does it (tests/software/, tests/security/test_6_oidc.py).

REDIRECT = "https://uitgever.example/basispoort/terug"
SECRET = "publisher-client-secret-0123456789"


def connect_software(software, client_id=None):
    software.application = Application.objects.create(
        name=software.name, client_id=client_id or f"client-{software.slug}", client_secret=SECRET,
        client_type=Application.CLIENT_CONFIDENTIAL, redirect_uris=REDIRECT,
        authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
        algorithm=Application.RS256_ALGORITHM, skip_authorization=True,
    )
    software.save()
    return software


def log_in(client, pupil, gate="school"):
    log_in_pupil(client, pupil, gate=gate)


def pkce():
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


def authorize(client, software, **params):
    verifier, challenge = pkce()
    query = {"response_type": "code", "client_id": software.application.client_id,
             "redirect_uri": REDIRECT, "scope": "openid", "state": "xyz", "nonce": "n-0S6",
             "code_challenge": challenge, "code_challenge_method": "S256", **params}
    return client.get("/o/authorize/", {k: v for k, v in query.items() if v is not None}), verifier


def code_from(response):
    assert response.status_code == 302, response.content[:500]
    assert response["Location"].startswith(REDIRECT)
    return parse_qs(urlparse(response["Location"]).query)["code"][0]


def exchange(client, software, code, verifier):
    return client.post("/o/token/", {
        "grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT,
        "client_id": software.application.client_id, "client_secret": SECRET,
        "code_verifier": verifier,
    })


def id_token_claims(client, token_response):
    """Verify the ID token's RS256 signature against the published JWKS, and its expiry."""
    keys = KeySet.import_key_set(client.get("/o/.well-known/jwks.json").json())
    token = jwt.decode(token_response.json()["id_token"], keys, algorithms=["RS256"])
    jwt.JWTClaimsRegistry(exp={"essential": True}, iat={"essential": True}).validate(token.claims)
    return token.claims


def sign_in(client, software):
    response, verifier = authorize(client, software)
    tokens = exchange(client, software, code_from(response), verifier)
    assert tokens.status_code == 200, tokens.content
    return id_token_claims(client, tokens), tokens.json()


# Parents' "forgot password" mail leaves from a background thread.


def wait_for_mail():
    """The forgot mail leaves from a background thread; wait until it is done."""
    for thread in threading.enumerate():
        if thread.name == MAIL_THREAD_NAME:
            thread.join(timeout=10)


def forgot(client, email, **extra):
    response = client.post("/thuis/vergeten/", {"email": email}, **extra)
    wait_for_mail()
    return response


def app_code(user):
    """The code ``user``'s authenticator app would show now (their confirmed TOTP device, made
    when they have none). A code is accepted once: django-otp refuses a replay."""
    from django_otp.oath import totp
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user, confirmed=True).first() or TOTPDevice.objects.create(
        user=user, name="test", confirmed=True)
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


# Database round trips, counted the way the server pays for them: every statement, and for
# each outermost transaction its BEGIN and COMMIT (which the query log of some backends leaves
# out), on SQLite and PostgreSQL alike.


class RoundTrips:
    def __init__(self):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        self.connection = connection
        self.queries = CaptureQueriesContext(connection)
        self.transactions = 0

    def __enter__(self):
        from django.db import transaction

        self._enter = transaction.Atomic.__enter__
        trips = self

        def counting_enter(atomic):
            if not trips.connection.in_atomic_block:
                trips.transactions += 1
            return trips._enter(atomic)

        transaction.Atomic.__enter__ = counting_enter
        self.queries.__enter__()
        return self

    def __exit__(self, *exc):
        from django.db import transaction

        self.queries.__exit__(*exc)
        transaction.Atomic.__enter__ = self._enter

    @property
    def statements(self):
        return [q["sql"] for q in self.queries.captured_queries
                if not q["sql"].startswith(("BEGIN", "COMMIT", "ROLLBACK"))]

    def __len__(self):
        return len(self.statements) + 2 * self.transactions


class CacheCommands:
    """Counts what a request asks of the cache, one per command Redis gets: each get, set, add
    and delete is one, and so is each get_many, set_many (a pipeline) and delete_many."""

    COMMANDS = ("get", "set", "add", "delete", "touch", "incr", "has_key", "get_many", "set_many",
                "delete_many")

    def __init__(self, monkeypatch):
        from django.core.cache import caches

        self.calls = []
        backend = caches["default"]
        for name in self.COMMANDS:
            method = getattr(backend, name)
            monkeypatch.setattr(backend, name, self._counting(name, method))
        if hasattr(backend, "add_shared"):
            monkeypatch.setattr(backend, "add_shared", self._counting("add_shared", backend.add_shared))

    def _counting(self, name, method):
        def counted(*args, **kwargs):
            inside, self._inside = self._inside, True
            if not inside:  # a command made of others (get_many on local memory) counts once
                self.calls.append(name)
            try:
                return method(*args, **kwargs)
            finally:
                self._inside = inside
        return counted

    _inside = False

    def __len__(self):
        return len(self.calls)
