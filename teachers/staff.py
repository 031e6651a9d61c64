"""Staff accounts and roles: invitations, "forgot password", adding staff and substitutes,
changing roles, resetting a second step. Each service writes its own audit entry. ``request`` is
the acting staff member's request (the actor and their address for the audit log); ``by`` is the
actor when there is no request (the import, a command, a task).

An invitation is a set-password link, as for parents (accounts/password_links.py: works once,
for PASSWORD_RESET_TIMEOUT seconds); the staff mail is built here.
"""

import logging

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_otp import devices_for_user
from django_tasks import task

from accounts import password_links
from accounts.models import User
from homelogin.services import normalise_email
from schools.models import AuditEntry, Teacher
from software import backchannel

logger = logging.getLogger(__name__)

EMAIL_NOT_ADULT = _("Dit e-mailadres hoort bij een account dat geen medewerker kan zijn. "
                    "Gebruik een ander e-mailadres.")
ALREADY_STAFF = _("Deze persoon werkt al op deze school. Pas de rol of de groepen aan bij "
                  "Medewerkers.")
SECOND_STEP_ELSEWHERE = _("De tweede stap kan hier niet worden teruggezet: deze medewerker heeft op "
                          "een andere school een rol die een tweede stap vereist. Vraag het de "
                          "ICT-coördinator van die school of de helpdesk.")


def _audit(request, by, action, *, school, detail=""):
    AuditEntry.objects.record(request, action, school=school, detail=detail, actor=by)


def _who(user):
    return f"{user.get_full_name()} <{user.email}>".strip() if user.email else user.get_full_name()


# Invitations and "forgot password" ----------------------------------------------------------


def set_password_url(user):
    return password_links.set_password_url(user, "teachers:staff_set_password")


def _staff_mail(*, user, school, to, forgot):
    # Staff pages are Dutch first; a staff member who chose English gets English.
    with translation.override(user.mail_language if user.mail_language in settings.STAFF_LANGUAGES else "nl"):
        context = {
            "url": set_password_url(user), "user": user, "school": school, "forgot": forgot,
            "has_password": user.has_usable_password(), "valid_for": password_links.valid_for(),
            "login_url": settings.SITE_URL + reverse("teachers:teacher_login"),
            "forgot_url": settings.SITE_URL + reverse("teachers:staff_forgot"),
        }
        return EmailMessage(
            subject=gettext("Basispoort: uw account als medewerker"),
            body=render_to_string("teachers/email/staff_invitation.txt", context), to=to,
        )


def invite_staff(*, membership, request=None, by=None):
    """Mail ``membership``'s person a link to set their password (or, when they already have
    one, e.g. as a parent, to say they can log in with it). Returns False when the person has
    no e-mail address or the mail server refused; the membership's ``invited_at`` and the
    audit log record a sent invitation. Safe to call from a task: it needs no request."""
    user = membership.user
    if not user.email or not user.is_active:
        return False
    if not password_links.send_quietly(
            _staff_mail(user=user, school=membership.school, to=[user.email], forgot=False)):
        return False
    Teacher.objects.filter(pk=membership.pk).update(invited_at=timezone.now())
    _audit(request, by, AuditEntry.Action.STAFF_INVITED, school=membership.school, detail=_who(user))
    return True


@task()
def invite_staff_members(membership_ids, by_id=None, once=False):
    """Invitations to many staff at once, sent by a worker, not while someone waits: the
    administrator's "invite everyone who has not activated yet", and the new staff of an import
    (queued once it is written, so the import does not wait for the mail server). One mail each
    (invite_staff, which records it). ``once``: one invitation per person, so someone whose
    invitation from another school is still open (no password yet) gets no second link: that
    one works for every school. Returns how many went out."""
    by = User.objects.filter(pk=by_id).first() if by_id else None
    sent = 0
    for membership in Teacher.objects.filter(pk__in=membership_ids).select_related("user", "school"):
        user = membership.user
        pending = user.school_roles.exclude(pk=membership.pk).filter(invited_at__isnull=False)
        if once and not user.has_usable_password() and pending.exists():
            Teacher.objects.filter(pk=membership.pk).update(invited_at=pending.latest("invited_at").invited_at)
        else:
            sent += invite_staff(membership=membership, by=by)
    return {"sent": sent, "of": len(membership_ids)}


def not_activated(school):
    """The school's current staff who have not set a password yet."""
    return [m for m in Teacher.objects.current().filter(school=school).select_related("user", "school")
            if not m.user.has_usable_password()]


def send_staff_password_link(*, email):
    """"Wachtwoord vergeten?" on the staff login: mail a new link when ``email`` belongs to a
    current staff member, and say nothing either way: the same work is done for known and
    unknown addresses (accounts/password_links.py)."""
    email = normalise_email(email)
    if not password_links.first_ask_in_a_while("staff", email):
        return
    user = User.objects.adult_for_email(email)
    membership = Teacher.objects.for_user(user) if user is not None and user.is_active else None
    message = _staff_mail(user=user if membership else password_links.stand_in(email), forgot=True,
                          school=membership.school if membership else None,
                          to=[user.email] if membership else [])
    password_links.send_in_background(message)


# Adding staff, roles, substitutes -------------------------------------------------------------


def _adult_for(*, email, first_name, last_name):
    """The adult with ``email`` (a parent, a teacher of another school), or a new account
    without a usable password yet. Raises ValidationError for a pupil's or platform account."""
    email = normalise_email(email)
    if User.objects.filter(username=email).exclude(kind=User.Kind.ADULT).exists():
        raise ValidationError(EMAIL_NOT_ADULT, code="not_adult")
    user = User.objects.adult_for_email(email)
    if user is None:
        user = User(username=email, email=email, kind=User.Kind.ADULT,
                    first_name=first_name[:150], last_name=last_name[:150])
        user.set_unusable_password()
        user.save()
    elif not (user.first_name or user.last_name) and (first_name or last_name):
        User.objects.filter(pk=user.pk).update(first_name=first_name[:150], last_name=last_name[:150])
    return user


def add_staff(*, school, email, first_name, last_name, role, groups, end_date, request):
    """The ICT-coördinator adds a staff member by hand (never ended by an import). Invites them;
    returns ``(membership, mailed)``."""
    with transaction.atomic():
        user = _adult_for(email=email, first_name=first_name, last_name=last_name)
        if Teacher.objects.filter(user=user, school=school).exists():
            raise ValidationError(ALREADY_STAFF, code="already_staff")
        membership = Teacher.objects.create(user=user, school=school, role=role, end_date=end_date)
        membership.groups.set(groups)
        _audit(request, None, AuditEntry.Action.STAFF_ADDED, school=school,
               detail=f"{_who(user)}: {membership.get_role_display()}")
    return membership, invite_staff(membership=membership, request=request)


def change_staff(*, membership, role, groups, end_date, request):
    with transaction.atomic():
        membership.role, membership.end_date = role, end_date
        membership.save(update_fields=["role", "end_date"])
        membership.groups.set(groups)
        _audit(request, None, AuditEntry.Action.STAFF_CHANGED, school=membership.school,
               detail=f"{_who(membership.user)}: {membership.get_role_display()}, "
                      f"{', '.join(g.name for g in groups) or '-'}, {end_date or '-'}")


def grant_substitute(*, group, email, first_name, last_name, end_date, request):
    """"Invalgroep": a substitute sees ``group`` until ``end_date`` (inclusive). A substitute
    already at this school gets the group added and the later end date; someone with another
    role here is refused (their role already says what they see). Invites a new person;
    returns ``(membership, mailed)``."""
    school = group.school
    with transaction.atomic():
        user = _adult_for(email=email, first_name=first_name, last_name=last_name)
        membership = Teacher.objects.select_for_update().filter(user=user, school=school).first()
        if membership is not None and membership.role != Teacher.Role.SUBSTITUTE:
            raise ValidationError(ALREADY_STAFF, code="already_staff")
        if membership is None:
            membership = Teacher.objects.create(user=user, school=school, end_date=end_date,
                                                role=Teacher.Role.SUBSTITUTE)
        else:
            membership.end_date = max(end_date, membership.end_date or end_date)
            membership.active = True
            membership.save(update_fields=["end_date", "active"])
        membership.groups.add(group)
        _audit(request, None, AuditEntry.Action.SUBSTITUTE_ADDED, school=school,
               detail=f"{_who(user)}: {group.name} t/m {end_date:%d-%m-%Y}")
    mailed = False
    if not user.has_usable_password() or membership.invited_at is None:
        mailed = invite_staff(membership=membership, request=request)
    return membership, mailed


# The second step ------------------------------------------------------------------------------


def record_second_step_on(*, membership, request):
    _audit(request, None, AuditEntry.Action.SECOND_STEP_ON, school=membership.school,
           detail=_who(membership.user))


def reset_second_step(*, membership, request):
    """The ICT-coördinator removes a colleague's authenticator app and recovery codes (a lost
    phone). Their next staff login asks them to set one up again when their role needs it.

    The app belongs to the account, not to one school: raises ValidationError when the person
    has a role at another school that requires the second step (that school's administrator,
    or the helpdesk, resets it)."""
    if Teacher.objects.current().filter(user_id=membership.user_id, role__in=Teacher.SECOND_STEP_REQUIRED) \
            .exclude(school_id=membership.school_id).exists():
        raise ValidationError(SECOND_STEP_ELSEWHERE, code="second_step_elsewhere")
    with transaction.atomic():
        for device in devices_for_user(membership.user, confirmed=None):
            device.delete()
        _audit(request, None, AuditEntry.Action.SECOND_STEP_RESET, school=membership.school,
               detail=_who(membership.user))


# School administration: devices and licences ---------------------------------------------------


def disconnect_classroom_device(*, device, request):
    device.revoked_at = timezone.now()
    device.save(update_fields=["revoked_at"])
    backchannel.end_device_sessions(device.device_id)
    _audit(request, None, AuditEntry.Action.DEVICE_DISCONNECTED, school=device.group.school,
           detail=device.group.name)


def save_school_details(*, form, request):
    with transaction.atomic():
        school = form.save()
        _audit(request, None, AuditEntry.Action.SCHOOL_CHANGED, school=school,
               detail=f"taal {school.family_language}; privacycontact "
                      f"{'ingevuld' if school.privacy_contact else 'leeg'}")
    return school


def save_licence(*, form, request):
    with transaction.atomic():
        licence = form.save()
        groups = "alle groepen" if licence.all_groups else ", ".join(g.name for g in licence.groups.all())
        _audit(request, None, AuditEntry.Action.LICENCE_CHANGED, school=licence.school,
               detail=f"{licence.software.name}: {groups}"
                      f"; thuis {'ja' if licence.home_use else 'nee'}; roepnaam "
                      f"{'ja' if licence.shares_first_name else 'nee'}; ECK iD "
                      f"{'ja' if licence.shares_eckid else 'nee'}")
    return licence
