"""A teacher's chores on pupils, each with its audit entry: who did what to whom, from where.
``request`` is the teacher's request (the actor and their address for the audit log)."""

from django.db import transaction

from basispoort import lockout
from pupils.models import Pupil, generate_pin
from schools.models import AuditEntry


def record_secret_set(*, pupil, request):
    AuditEntry.objects.record(request, AuditEntry.Action.SECRET_SET, school=pupil.school, pupil=pupil,
                              detail=pupil.get_secret_kind_display())


def set_secret(*, form, request):
    """Save a SetPinForm or SetPicturesForm; returns the new secret (shown once, never stored)."""
    with transaction.atomic():
        secret = form.save()
        record_secret_set(pupil=form.pupil, request=request)
    return secret


def generate_secrets(*, pupils, kind, request):
    """A new PIN ("pins") or picture password ("pictures") for each of ``pupils``; returns
    [(pupil, PIN or [picture slugs])] to show once."""
    results = []
    with transaction.atomic():
        for pupil in pupils:
            if kind == "pins":
                secret = generate_pin()
                pupil.set_pin(secret)
            else:
                secret = pupil.generate_picture_password()
            pupil.save(update_fields=["secret_kind", "secret_hash"])
            record_secret_set(pupil=pupil, request=request)
            results.append((pupil, secret))
    return results


def set_home_login(*, pupils, enabled, request):
    """Switch home login on or off for ``pupils``."""
    action = AuditEntry.Action.HOME_LOGIN_ON if enabled else AuditEntry.Action.HOME_LOGIN_OFF
    with transaction.atomic():
        Pupil.objects.filter(pk__in=[p.pk for p in pupils]).update(home_login_enabled=enabled)
        for pupil in pupils:
            pupil.home_login_enabled = enabled
            AuditEntry.objects.record(request, action, school=pupil.school, pupil=pupil)


def unlock_pupil(*, pupil, request):
    """The teacher's "Ontgrendelen": both of the pupil's locks are lifted (basispoort/lockout.py)."""
    lockout.unlock(pupil)
    AuditEntry.objects.record(request, AuditEntry.Action.UNLOCKED, school=pupil.school, pupil=pupil)
