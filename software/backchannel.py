"""OpenID Connect Back-Channel Logout 1.0: when a Basispoort session ends, every publisher it
opened hears so from the server, not through the browser.

- Each login session gets a random id, ``sid``, the first time it opens a publisher's software
  (kept in the session; a session that opens nothing never gets one and costs nothing). Every ID
  token carries it.
- Each authorization code issued writes down which software the session opened
  (PublisherSession), with the classroom or home device it ran on.
- When the session ends (``Uitloggen``, an expired session, another login on the same browser, a
  teacher disconnecting the classroom device, a parent or teacher removing the home device), each
  such software with a
  ``backchannel_logout_uri`` gets a signed logout token, POSTed from the task queue and retried
  with backoff (``send_logout_token``).

The apps above this one tell it what happened: the user_logged_out and user_logged_in
receivers (software/signals.py), pupils/session.py before a pupil's login replaces the
session, the two ways a classroom device is disconnected (``end_device_sessions``) and every
way a home device stops showing a child (``end_home_device_sessions``). A device's sessions end
on the spot, without a request from that device: their codes and tokens stop working too.
"""

import json
import logging
import secrets
import time
import uuid
from datetime import timedelta

import requests
from django.utils import timezone
from django_tasks import task
from jwcrypto import jwt
from oauth2_provider.models import get_grant_model, get_refresh_token_model
from oauth2_provider.settings import oauth2_settings
from oauth2_provider.utils import jwk_from_pem

from .models import IssuedCode, PublisherSession, code_hash, logout_uri_schemes

logger = logging.getLogger(__name__)

SID = "sso_sid"  # the session key that holds this login session's sid
LOGOUT_EVENT = "http://schemas.openid.net/event/backchannel-logout"
TOKEN_LIFETIME = 120  # seconds: a logout token is used at once
# Waits before the 2nd, 3rd... attempt; after the last one the delivery is given up and logged.
RETRY_DELAYS = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30))
TIMEOUT = (3, 5)  # seconds to connect, to read: a slow publisher must not hold the queue


def session_id(request):
    """This login session's sid, made on first use."""
    sid = request.session.get(SID)
    if not sid:
        sid = request.session[SID] = secrets.token_urlsafe(24)
    return sid


def record(*, sid, user, software, classroom_device="", home_device=None):
    """``software`` was opened in session ``sid`` (an authorization code was just issued)."""
    PublisherSession.objects.get_or_create(sid=sid, software=software, defaults={
        "user": user, "classroom_device": classroom_device or "", "home_device": home_device})


def end_session(request):
    """The login session of ``request`` ends (or is about to be replaced by another login):
    its publishers get a logout token. Nothing to do, and no query, when it opened none."""
    session = getattr(request, "session", None)
    sid = session.pop(SID, None) if session is not None else None
    if sid:
        _end(PublisherSession.objects.filter(sid=sid))


def end_device_sessions(device_id):
    """A classroom device was disconnected: every session opened on it ends at its publishers."""
    if device_id:
        _end_on_device(PublisherSession.objects.filter(classroom_device=device_id))


def end_home_device_sessions(entry_ids):
    """Home device entries (homelogin.DeviceGrantPupil ids) were removed: every session a child
    opened software in on them ends at its publishers."""
    if entry_ids:
        _end_on_device(PublisherSession.objects.filter(home_device__in=list(entry_ids)))


def _end_on_device(sessions):
    """The device's sessions end now, not at the device's next request: what the publishers
    were given in them stops working (codes not yet exchanged, access and refresh tokens), and
    they get their logout tokens."""
    rows = list(sessions.values_list("sid", "user_id"))
    if not rows:
        return
    issued = IssuedCode.objects.filter(sid__in={sid for sid, _user in rows})
    for family in issued.exclude(token_family=None).values_list("token_family", flat=True):
        get_refresh_token_model().revoke_family(family)
    pending = set(issued.filter(redeemed_at=None).values_list("code_hash", flat=True))
    if pending:
        grants = get_grant_model().objects.filter(user_id__in={user for _sid, user in rows})
        get_grant_model().objects.filter(
            pk__in=[pk for pk, code in grants.values_list("pk", "code") if code_hash(code) in pending]
        ).delete()
    _end(sessions)


def _end(sessions):
    now = timezone.now()
    ended = list(sessions.live().select_related("software").only("pk", "software__backchannel_logout_uri"))
    if not ended:
        return
    PublisherSession.objects.filter(pk__in=[row.pk for row in ended]).update(logged_out_at=now)
    for row in ended:
        if row.software.backchannel_logout_uri:
            send_logout_token.enqueue(row.pk)


def logout_token(row, *, now=None):
    """The logout token for ``row`` (a PublisherSession): a JWT signed like the ID tokens, with
    the key the JWKS publishes, typed ``logout+jwt`` so it can never pass for an ID token."""
    application = row.software.application
    key = jwk_from_pem(oauth2_settings.OIDC_RSA_PRIVATE_KEY)
    issued = int(now if now is not None else time.time())
    claims = {
        "iss": oauth2_settings.OIDC_ISS_ENDPOINT,
        "aud": application.client_id,
        "iat": issued,
        "exp": issued + TOKEN_LIFETIME,
        "jti": str(uuid.uuid4()),
        "sub": row.software.publisher.pairwise_sub(row.user),
        "sid": row.sid,
        "events": {LOGOUT_EVENT: {}},
    }
    header = {"alg": "RS256", "typ": "logout+jwt", "kid": key.thumbprint()}
    token = jwt.JWT(header=json.dumps(header), claims=json.dumps(claims))
    token.make_signed_token(key)
    return token.serialize()


def _post(uri, token):
    """True when the publisher answered 2xx. Redirects are never followed: a logout token goes
    to the registered URI only."""
    try:
        response = requests.post(
            uri, data={"logout_token": token}, timeout=TIMEOUT, allow_redirects=False,
            headers={"Cache-Control": "no-store"},
        )
    except requests.RequestException as error:
        logger.info("Logout token to %s not delivered: %s", uri, error.__class__.__name__)
        return False
    if not 200 <= response.status_code < 300:
        logger.info("Logout token to %s answered %s", uri, response.status_code)
        return False
    return True


@task()
def send_logout_token(publisher_session_id):
    """POST a fresh logout token to the software's back-channel logout URI; on a network error
    or an answer other than 2xx, queue the next attempt after RETRY_DELAYS, then give up."""
    row = (PublisherSession.objects.select_related("software__application", "software__publisher", "user")
           .filter(pk=publisher_session_id).first())
    if row is None or row.delivered_at is not None:
        return "gone"
    uri = row.software.backchannel_logout_uri
    scheme = uri.split(":", 1)[0].lower()
    if not uri or row.software.application is None or scheme not in logout_uri_schemes():
        return "no uri"
    attempt = row.attempts + 1
    PublisherSession.objects.filter(pk=row.pk).update(attempts=attempt)
    if _post(uri, logout_token(row)):
        PublisherSession.objects.filter(pk=row.pk).update(delivered_at=timezone.now())
        return "delivered"
    if attempt > len(RETRY_DELAYS):
        logger.warning("Logout token for %s (session %s) not delivered after %s attempts; given up",
                       row.software, row.pk, attempt)
        return "given up"
    send_logout_token.using(run_after=timezone.now() + RETRY_DELAYS[attempt - 1]).enqueue(row.pk)
    return "retry"


def discovery_metadata():
    return {"backchannel_logout_supported": True, "backchannel_logout_session_supported": True}

