"""The staff's second step, on django-otp: an authenticator app (TOTP, RFC 6238) and recovery
codes (django-otp's static device).

Recovery codes are stored as a keyed hash (basispoort/hashing.py, the key outside the database),
never in clear: django-otp's StaticToken holds 16 characters, so a token row holds the key's id
and the first hex digits of the code's HMAC (make_short_hash). They are used once, so a key
rotation cannot move them: staff whose codes use an old key make new ones
(`manage.py rehash_secrets --report` counts them). A stolen database alone therefore reveals
no usable code. Only the person's own TOTP and static devices are ever asked (never
django-otp's match_token, which would compare typed text with the stored digest itself).
"""

import base64
import io
import secrets

import segno
from django.db import transaction
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from basispoort.hashing import short_hash_candidates
from schools.models import AuditEntry

RECOVERY_CODES = 10
ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L: read from paper


TOKEN_LENGTH = 16  # django-otp's StaticToken.token


def _digests(code):
    """The stored forms of recovery ``code`` under every configured key, newest first: with
    the key's id (so `rehash_secrets --report` can count them per key), or as made before that."""
    return short_hash_candidates(code, purpose="recovery", length=TOKEN_LENGTH)


def has_app(user):
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def pending_app(user):
    """The authenticator being set up (unconfirmed until its first code is typed)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    return device or TOTPDevice.objects.create(user=user, name="Authenticator", confirmed=False)


def qr_data_uri(device):
    """The otpauth:// URL as an SVG QR code, to scan with the app."""
    out = io.BytesIO()
    segno.make(device.config_url, error="m").save(out, kind="svg", scale=5, border=2)
    return "data:image/svg+xml;base64," + base64.b64encode(out.getvalue()).decode()


def secret_text(device):
    """The key in base32, in groups of four, for typing into an app without a camera."""
    key = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(key[i:i + 4] for i in range(0, len(key), 4))


@transaction.atomic
def confirm_app(*, request, device, token):
    """Confirm the app when ``token`` is right; then make new recovery codes (returned, shown
    once) and mark this session as verified. Returns None for a wrong code."""
    if not device.verify_token(token):
        return None
    TOTPDevice.objects.filter(user=device.user).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    codes = new_recovery_codes(device.user)
    otp_login(request, device)
    request.session.cycle_key()
    return codes


def new_recovery_codes(user):
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name="Herstelcodes", confirmed=True)
    codes = ["".join(secrets.choice(ALPHABET) for _ in range(10)) for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=_digests(code)[0]) for code in codes)
    return [f"{code[:5]}-{code[5:]}" for code in codes]


def verify(*, request, token):
    """Check ``token`` (app code or recovery code, cleaned by SecondStepForm; None when the form
    refused what was typed) for the logged-in staff member (``request.teacher``); on success the
    session is verified and its key cycled, on failure the audit log records it. django-otp slows
    wrong codes down per device (1, 2, 4 ... seconds)."""
    user = request.user
    device = None
    if token is None:
        pass
    elif token.isdigit() and len(token) == 6:
        device = next((d for d in TOTPDevice.objects.filter(user=user, confirmed=True)
                       if d.verify_token(token)), None)
    elif len(token) == 10:
        digests = _digests(token)
        for static in StaticDevice.objects.filter(user=user, confirmed=True):
            match = static.token_set.filter(token__in=digests).first()
            if static.verify_token(match.token if match else "-"):
                device = static
                break
    if device is None:
        AuditEntry.objects.record(request, AuditEntry.Action.LOGIN_FAILED, school=request.teacher.school,
                                  detail=f"{request.path} {user.username}")
        return False
    otp_login(request, device)
    request.session.cycle_key()
    return True
