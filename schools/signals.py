"""Logins, failures and locks in the audit log, from Django's and django-axes' signals: every
login path goes through authenticate() and login(), so nothing can slip past."""

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.dispatch import receiver

from accounts.models import User
from basispoort.lockout import pupil_id_from_key

from .models import AuditEntry, Teacher


def _school_and_pupil(user):
    pupil = getattr(user, "pupil", None)
    if pupil is not None:
        return pupil.school, pupil
    teacher = Teacher.objects.for_user(user)
    return (teacher.school if teacher else None), None


@receiver(user_logged_in)
def audit_login(sender, request, user, **kwargs):
    school, pupil = _school_and_pupil(user)
    AuditEntry.objects.record(request, AuditEntry.Action.LOGIN_OK, school=school, pupil=pupil,
                              detail=f"{user.get_kind_display()} {request.path}", login=True)


@receiver(user_login_failed)
def audit_login_failure(sender, credentials, request=None, **kwargs):
    pupil = credentials.get("pupil") or getattr(credentials.get("home_code"), "pupil", None)
    school = pupil.school if pupil is not None else None
    # The username someone typed, never a password, PIN or code (Django masks those anyway).
    who = "" if pupil is not None else credentials.get("username", "")
    AuditEntry.objects.record(request, AuditEntry.Action.LOGIN_FAILED, school=school, pupil=pupil,
                              detail=f"{request.path if request else ''} {who}".strip())


@receiver(user_locked_out)
def audit_lock(sender, request, username, ip_address, **kwargs):
    pupil_id = pupil_id_from_key(username)
    if pupil_id is not None:
        user = User.objects.filter(pupil__pk=pupil_id).first()
    else:  # "staff:juf", "guardian:ouder@example.nl", "code-ip:…": the part after the gate
        user = User.objects.filter(username=(username or "").partition(":")[2]).first()
    school, pupil = _school_and_pupil(user) if user else (None, None)
    AuditEntry.objects.record(request, AuditEntry.Action.LOCKED, school=school, pupil=pupil,
                              detail=username or "")
