"""A school's decisions about publishers, each with its audit entry: the synchronisation
permission (the roster API) and replacing a pupil's pseudonym at one publisher."""

from django.db import transaction
from django.utils import timezone

from schools.models import AuditEntry

from .models import PseudonymReplacement, RetiredPseudonym, SyncPermission


def set_sync_permission(*, school, publisher, granted, shares_staff_email=False, request):
    """Grant or revoke ``publisher``'s permission to read ``school``'s roster."""
    with transaction.atomic():
        permission = SyncPermission.objects.select_for_update().filter(
            school=school, publisher=publisher).first()
        now = timezone.now()
        if permission is None:
            if not granted:
                return None
            permission = SyncPermission(school=school, publisher=publisher, granted_at=now)
        elif granted and not permission.granted:
            permission.granted_at, permission.revoked_at = now, None
        elif not granted and permission.granted:
            permission.revoked_at = now
        elif permission.shares_staff_email == (granted and shares_staff_email):
            return permission  # nothing changes
        permission.granted = granted
        permission.shares_staff_email = granted and shares_staff_email
        permission.save()
        detail = f"{publisher}: " + ("toestemming, e-mail staf " + ("ja" if shares_staff_email else "nee")
                                     if granted else "ingetrokken")
        AuditEntry.objects.record(
            request, AuditEntry.Action.SYNC_GRANTED if granted else AuditEntry.Action.SYNC_REVOKED,
            school=school, detail=detail)
    return permission


def replace_pseudonym(*, publisher, pupil, request):
    """Give ``pupil`` a new pseudonym at ``publisher`` only: single sign-on and the API use the
    new one from now on; the old one is listed as retired for the publisher, with nothing that
    links the two. Other publishers keep theirs."""
    with transaction.atomic():
        old = publisher.pseudonyms([pupil.subject])[pupil.subject]
        replacement, created = PseudonymReplacement.objects.select_for_update().get_or_create(
            publisher=publisher, subject=pupil.subject)
        if not created:
            replacement.salt = PseudonymReplacement._meta.get_field("salt").get_default()
            replacement.replaced_at = timezone.now()
            replacement.save()
        RetiredPseudonym.objects.create(publisher=publisher, school=pupil.school, pseudonym=old)
        # The pupil shows up again under the new pseudonym in "changes since".
        type(pupil).objects.filter(pk=pupil.pk).update(updated_at=timezone.now())
        AuditEntry.objects.record(request, AuditEntry.Action.PSEUDONYM_REPLACED, school=pupil.school,
                                  pupil=pupil, detail=str(publisher))
