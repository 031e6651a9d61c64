import logging
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts import password_links
from accounts.models import User
from schools.models import AuditEntry, School
from software import backchannel

from .cards import send_home_code_mail
from .inzage import child_data_zip
from .models import (
    CODE_ALPHABET,
    RESCUE_CODE_LENGTH,
    RESCUE_CODE_MINUTES,
    DeviceGrant,
    DeviceGrantPupil,
    GuardianLink,
    HomeLoginCode,
    RescueCode,
)


def _actor(request, by):
    user = getattr(request, "user", None)
    return user if user is not None and user.is_authenticated else by


def issue_home_code(*, pupil, by=None, request=None, printed=True):
    """Make a new home login code for ``pupil`` and return it as text (shown once, never stored).

    The pupil's previous code stops working, and so does every device that entered it. ``by``
    (or ``request``'s user) made it; ``printed`` says it goes on a card (a mailed code is
    recorded by mail_home_code).
    """
    by = _actor(request, by)
    with transaction.atomic():
        old = HomeLoginCode.objects.current().filter(pupil=pupil)
        # Every device of the pupil goes: those that typed the old card, and those a rescue
        # code let in.
        _delete_entries(DeviceGrantPupil.objects.filter(pupil=pupil))
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
        if printed:
            AuditEntry.objects.record(request, AuditEntry.Action.CODE_ISSUED, school=pupil.school,
                                      pupil=pupil, detail="afgedrukt", actor=by)
    return HomeLoginCode.format(code.selector, verifier)


def mail_home_code(*, pupil, guardians, request):
    """Mail a new code to ``guardians`` (homelogin/cards.py). The old code is revoked in the
    same transaction: when the mail cannot be delivered, the mail server's error is raised and
    nothing changes — the family's code keeps working."""
    with transaction.atomic():
        code = issue_home_code(pupil=pupil, request=request, printed=False)
        send_home_code_mail(pupil=pupil, code=code, guardians=guardians)
        AuditEntry.objects.record(request, AuditEntry.Action.CODE_MAILED, school=pupil.school,
                                  pupil=pupil, detail=", ".join(g.email for g in guardians))


def _device(token, label):
    """The live grant of ``token``, or a new one (with a new token); returns (grant, token)."""
    grant = DeviceGrant.objects.for_token(token)
    if grant is None:
        token = secrets.token_urlsafe(32)
        grant = DeviceGrant.objects.create(token_hash=DeviceGrant.hash_token(token), label=label)
    return grant, token


def remember_on_device(*, token, code, label=""):
    """Let the device holding ``token`` show ``code``'s pupil from now on. A device without a
    live grant gets a new one, labelled ``label`` (homelogin/devices.py). Returns the token for
    the cookie (new or unchanged); only its hash is stored."""
    with transaction.atomic():
        grant, token = _device(token, label)
        DeviceGrantPupil.objects.update_or_create(
            grant=grant, pupil=code.pupil, defaults={"code": code, "rescue_code": None}
        )
    return token


def _device_detail(grant):
    with translation.override("nl"):  # the audit log is read in Dutch
        return " ".join(part for part in (grant.label_display, grant.name and f"({grant.name})") if part)


def _delete_entries(entries):
    """Delete device entries; the child's sessions on them end at once, at the publishers too
    (their tokens stop working and they get a logout token). Their Basispoort session ends at
    the device's next request (homelogin/middleware.py). Returns how many were deleted."""
    ids = list(entries.values_list("pk", flat=True))
    if not ids:
        return 0
    removed, _by_model = DeviceGrantPupil.objects.filter(pk__in=ids).delete()
    backchannel.end_home_device_sessions(ids)
    return removed


def _forget_on_device(grant, pupils):
    """Remove ``pupils`` from ``grant``; a device left with no pupil is revoked as a whole."""
    removed = _delete_entries(DeviceGrantPupil.objects.filter(grant=grant, pupil__in=pupils))
    DeviceGrant.objects.filter(pk=grant.pk, entries__isnull=True).update(revoked_at=timezone.now())
    return removed


def revoke_device_entry(*, entry, request):
    """The teacher's "Verwijderen" on one device of one pupil: that device stops showing the
    pupil, and the pupil's session on it ends at once (homelogin/middleware.py)."""
    with transaction.atomic():
        _forget_on_device(entry.grant, [entry.pupil])
        AuditEntry.objects.record(request, AuditEntry.Action.DEVICE_REVOKED, school=entry.pupil.school,
                                  pupil=entry.pupil, detail=_device_detail(entry.grant))


def revoke_family_device(*, grant, pupils, request):
    """A parent's "Verwijderen": the device stops showing the parent's ``pupils`` (their
    sessions on it end at once). Other families' children on the same device stay."""
    with transaction.atomic():
        for pupil in pupils:
            AuditEntry.objects.record(request, AuditEntry.Action.DEVICE_REVOKED, school=pupil.school,
                                      pupil=pupil, detail=_device_detail(grant))
        return _forget_on_device(grant, pupils)


def issue_rescue_code(*, pupil, request):
    """A one-time rescue code for ``pupil`` (a lost or forgotten card), made by the request's
    user, a teacher or a parent: returned as text to show on their screen once, never stored.
    Any earlier rescue code of the pupil that was not used yet stops working; the card's code
    and the devices that entered it stay as they are."""
    now = timezone.now()
    with transaction.atomic():
        RescueCode.objects.live().filter(pupil=pupil).update(revoked_at=now)
        for _attempt in range(20):
            code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(RESCUE_CODE_LENGTH))
            try:
                with transaction.atomic():
                    RescueCode.objects.create(
                        pupil=pupil, code_hash=RescueCode.hash_code(code), created_by=request.user,
                        expires_at=now + timedelta(minutes=RESCUE_CODE_MINUTES),
                    )
                break
            except IntegrityError:
                continue
        else:
            raise RuntimeError("no free rescue code found")
        by_parent = GuardianLink.objects.filter(pupil=pupil, guardian=request.user).exists()
        made_by = "ouder/verzorger" if by_parent else "school"
        AuditEntry.objects.record(request, AuditEntry.Action.RESCUE_ISSUED, school=pupil.school,
                                  pupil=pupil, detail=made_by)
    return RescueCode.format(code)


def redeem_rescue_code(*, rescue_code, token, label, request):
    """Let the device holding ``token`` show the rescue code's pupil, and use the code up.
    Returns the token for the cookie, or None when another request used the code first. The
    device stays with the pupil as long as the card that is current now (if any) stays
    current: printing a new card ends it, as it ends every device of the pupil."""
    pupil = rescue_code.pupil
    with transaction.atomic():
        grant, token = _device(token, label)
        used = RescueCode.objects.live().filter(pk=rescue_code.pk).update(
            used_at=timezone.now(), used_on=grant)
        if not used:
            transaction.set_rollback(True)
            return None
        DeviceGrantPupil.objects.update_or_create(grant=grant, pupil=pupil, defaults={
            "code": HomeLoginCode.objects.current().filter(pupil=pupil).first(),
            "rescue_code": rescue_code,
        })
        AuditEntry.objects.record(request, AuditEntry.Action.RESCUE_USED, school=pupil.school,
                                  pupil=pupil, detail=_device_detail(grant))
    return token


def revoke_home_devices(*, pupil, request=None):
    """Every home device that remembers ``pupil`` forgets them; returns how many did. Their
    sessions end at once (a session is bound to the device entry, which is gone). A device left
    with no pupil is revoked as a whole: if the old code is typed on it again, it comes back as
    a new device, with a new cookie, that the teacher sees."""
    with transaction.atomic():
        entries = DeviceGrantPupil.objects.filter(pupil=pupil)
        grant_ids = list(entries.values_list("grant_id", flat=True))
        removed = _delete_entries(entries)
        DeviceGrant.objects.filter(pk__in=grant_ids, entries__isnull=True).update(
            revoked_at=timezone.now()
        )
        AuditEntry.objects.record(request, AuditEntry.Action.DEVICES_REVOKED, school=pupil.school,
                                  pupil=pupil)
    return removed


# Parents' e-mail accounts: a teacher enters a parent's e-mail, the parent gets a link to set a
# password ("Gebruikersnaam of wachtwoord vergeten" sends a new one): the link and the "forgot"
# routine are accounts/password_links.py; the parents' mail is built here.

logger = logging.getLogger(__name__)

GUARDIAN_ALREADY_LINKED = _("Dit e-mailadres hoort al bij deze leerling.")
GUARDIAN_EMAIL_TAKEN = _(
    "Dit e-mailadres is al de gebruikersnaam van een ander soort account en kan niet als "
    "e-mailadres van een ouder/verzorger worden gebruikt. Vraag de ouder om een ander adres."
)


def normalise_email(email):
    """A parent's e-mail as stored in their username: no surrounding spaces, lower case."""
    return (email or "").strip().lower()


def invite_guardian(*, pupil, email, request):
    """Link the parent with ``email`` to ``pupil`` and mail them a set-password link.

    One parent has one account for all their children, at any school: an address that is
    already known gets one more link, not a second account. Returns ``(link, mailed)``; when the
    mail server fails the link is kept (the parent can ask for a new link on the forgot page).
    Raises ValidationError when the pupil already has two addresses or has this one.
    """
    email = normalise_email(email)
    with transaction.atomic():
        if User.objects.filter(username=email).exclude(kind=User.Kind.ADULT).exists():
            raise ValidationError(GUARDIAN_EMAIL_TAKEN, code="not_guardian")
        # A teacher's address finds the teacher's own account: one person, one password.
        guardian = User.objects.adult_for_email(email) or User.objects.create(
            username=email, email=email, kind=User.Kind.ADULT, password=make_password(None),
        )
        link = GuardianLink(pupil=pupil, guardian=guardian)
        link.clean()
        try:
            with transaction.atomic():
                link.save()
        except IntegrityError:
            # Two teachers saving at the same moment: the database's constraints are the last line.
            if GuardianLink.objects.filter(pupil=pupil, guardian=guardian).exists():
                raise ValidationError(GUARDIAN_ALREADY_LINKED, code="already_linked") from None
            link.slot = None
            link.clean()  # the model's own message when both slots are now taken
            raise
        AuditEntry.objects.record(request, AuditEntry.Action.GUARDIAN_ADDED, school=pupil.school,
                                  pupil=pupil, detail=email)
    mailed = send_set_password_mail(guardian=guardian, school=pupil.school)
    return link, mailed


def remove_guardian_link(*, link, request):
    """Unlink a parent from one pupil. Their links to other children stay; an account left
    without any child or staff membership is deleted (it could not show anything any more)."""
    with transaction.atomic():
        guardian = User.objects.select_for_update().get(pk=link.guardian_id)
        link.delete()
        if guardian.kind == User.Kind.ADULT and not guardian.guardian_links.exists() \
                and not guardian.school_roles.exists():
            guardian.delete()
        AuditEntry.objects.record(request, AuditEntry.Action.GUARDIAN_REMOVED, school=link.pupil.school,
                                  pupil=link.pupil, detail=guardian.email)


def remember_parent_language(sender=None, *, request, user, **kwargs):
    """A parent's mails go out in the language they last used the site in: stored whenever they
    log in (the user_logged_in signal) and on every parent's page (guardian_required)."""
    if user.kind == User.Kind.ADULT and request is not None:
        user.remember_language(getattr(request, "LANGUAGE_CODE", ""))


def set_password_url(guardian):
    return password_links.set_password_url(guardian, "homelogin:guardian_set_password")


def send_set_password_mail(*, guardian, school):
    """Mail ``guardian`` a link to set a (new) password. Returns False when sending failed."""
    return password_links.send_quietly(
        _set_password_message(guardian=guardian, school=school, to=[guardian.email], forgot=False)
    )


def send_password_link(*, email, language=None):
    """"Gebruikersnaam of wachtwoord vergeten": mail a new set-password link when ``email`` is a
    parent's username, and say nothing either way. The mail is in ``language``, the language of
    the page the parent asked on, which becomes their language from now on.

    The same work is done for known and unknown addresses (accounts/password_links.py): one
    lookup, one school query, one mail built, sent from a background thread.
    """
    email = normalise_email(email)
    if not password_links.first_ask_in_a_while("parent", email):
        return
    parents = User.objects.filter(kind=User.Kind.ADULT, username=email).filter(
        Q(guardian_links__isnull=False) | Q(school_roles__isnull=True)).distinct()
    guardian = parents.filter(is_active=True).first()
    language = language if language in dict(settings.LANGUAGES) else None
    if language:
        # One UPDATE for known and unknown addresses alike (it changes no row for the latter).
        User.objects.filter(pk__in=parents.values("pk")).update(language=language)
    school = (
        School.objects.filter(pupils__guardian_links__guardian_id=guardian.pk if guardian else None)
        .order_by("name").first()
    )
    message = _set_password_message(
        guardian=guardian or password_links.stand_in(email), school=school,
        to=[guardian.email] if guardian else [], forgot=True, language=language,
    )
    password_links.send_in_background(message)


def _set_password_message(*, guardian, school, to, forgot, language=None):
    # In the parent's language: the one they last used, or their child's school's language.
    default = school.family_language if school else settings.LANGUAGE_CODE
    with translation.override(language or guardian.language_or(default)):
        context = {
            "url": set_password_url(guardian),
            "username": guardian.username,
            "school": school,
            "has_password": guardian.has_usable_password(),
            "forgot": forgot,
            "valid_for": password_links.valid_for(),
            "login_url": settings.SITE_URL + reverse("homelogin:guardian_login"),
            "forgot_url": settings.SITE_URL + reverse("homelogin:guardian_forgot"),
        }
        message = EmailMultiAlternatives(
            subject=gettext("Basispoort: maak uw wachtwoord aan voor thuis inloggen"),
            body=render_to_string("homelogin/email/set_password.txt", context),
            to=to,
        )
        message.attach_alternative(
            render_to_string("homelogin/email/set_password.html", context), "text/html"
        )
    return message


def download_child_data(*, pupil, request):
    """"Alles downloaden": everything held about ``pupil`` for their parent (the request's
    user), as (file name, zip bytes); producing it is written in the audit log."""
    name, content = child_data_zip(pupil, request.user)
    AuditEntry.objects.record(request, AuditEntry.Action.DATA_DOWNLOADED, school=pupil.school,
                              pupil=pupil, detail=request.user.email)
    return name, content
