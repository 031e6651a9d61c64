import secrets

from django.db import IntegrityError, transaction
from django.utils import timezone

from .models import DeviceGrant, DeviceGrantPupil, HomeLoginCode


def issue_home_code(*, pupil, by=None):
    """Make a new home login code for ``pupil`` and return it as text (shown once, never stored).

    The pupil's previous code stops working, and so does every device that entered it.
    """
    with transaction.atomic():
        old = HomeLoginCode.objects.current().filter(pupil=pupil)
        DeviceGrantPupil.objects.filter(code__in=old).delete()
        old.update(revoked_at=timezone.now())
        verifier = HomeLoginCode.random_part(8)
        code = HomeLoginCode(pupil=pupil, created_by=by)
        code.set_verifier(verifier)
        # 31**4 selectors: a clash is rare but possible, so draw again until one is free.
        for _attempt in range(20):
            code.selector = HomeLoginCode.random_part(4)
            try:
                with transaction.atomic():
                    code.save()
                break
            except IntegrityError:
                code.pk = None
        else:
            raise RuntimeError("no free home login code selector found")
    return HomeLoginCode.format(code.selector, verifier)


def remember_on_device(*, token, code):
    """Let the device holding ``token`` show ``code``'s pupil from now on. A device without a
    live grant gets a new one. Returns the token for the cookie (new or unchanged); only its
    hash is stored."""
    with transaction.atomic():
        grant = DeviceGrant.objects.for_token(token)
        if grant is None:
            token = secrets.token_urlsafe(32)
            grant = DeviceGrant.objects.create(token_hash=DeviceGrant.hash_token(token))
        DeviceGrantPupil.objects.update_or_create(
            grant=grant, pupil=code.pupil, defaults={"code": code}
        )
    return token
