"""The classroom device: a signed cookie "<group id>:<teacher id>:<device id>" that a teacher
sets on a school tablet (teachers.views.classroom_connect). It stays valid while that teacher may
still see that group, so taking a teacher off a group also switches off their devices. The device
id (random, made at connecting) is what failed PINs are slowed down per: one tablet, not the
whole class (basispoort/lockout.py)."""

import secrets

from django.conf import settings

from basispoort.cookies import cookie_name, delete_cookie, get_signed_cookie, set_cookie
from schools.models import Teacher

COOKIE = "bp_klas"
SALT = "pupils.classroom"


def _parts(request):
    value = get_signed_cookie(request, COOKIE, salt=SALT, max_age=settings.CLASSROOM_COOKIE_AGE) or ""
    group_id, teacher_id, device_id = (value.split(":") + ["", ""])[:3]
    if not (group_id.isdigit() and teacher_id.isdigit()):
        return None
    return group_id, teacher_id, device_id


def is_classroom_device(request):
    """True when this browser carries a classroom cookie (not checked further)."""
    return cookie_name(COOKIE) in request.COOKIES


def device_key(request):
    """The name failed secrets on this tablet are counted under, or None."""
    parts = _parts(request)
    return "klas:{}:{}:{}".format(*parts) if parts else None


def connected_group(request):
    """The group whose tiles this device shows, while its teacher may still see it; or None."""
    parts = _parts(request)
    if parts is None:
        return None
    group_id, teacher_id, _device = parts
    teacher = Teacher.objects.filter(pk=teacher_id, user__is_active=True).first()
    if teacher is None:
        return None
    return (
        teacher.visible_groups().select_related("school")
        .filter(pk=group_id, school__active=True).first()
    )


def connect(response, *, group, teacher):
    """Make the browser that gets ``response`` a classroom device of ``group``."""
    value = f"{group.pk}:{teacher.pk}:{secrets.token_hex(8)}"
    return set_cookie(response, COOKIE, value, salt=SALT, max_age=settings.CLASSROOM_COOKIE_AGE)


def disconnect(response):
    return delete_cookie(response, COOKIE)
