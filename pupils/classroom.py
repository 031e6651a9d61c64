"""The classroom device: a signed cookie "<group id>:<teacher id>:<device id>" that a teacher
sets on a school tablet (teachers.views.classroom_connect), and its server-side row
(pupils.models.ClassroomDevice). It stays valid while that teacher's membership is current and
still sees that group, and until someone disconnects it (the device itself, or the school
administrator from anywhere). The device id (random, made at connecting) is what failed PINs
are slowed down per: one tablet, not the whole class (basispoort/lockout.py).

Every tile, PIN pad and PIN POST on the device needs its group, so a valid device's group is kept
in the cache for CACHE_SECONDS, and dropped at once when the device is disconnected or revoked,
or the teacher, their groups, the group, the school or the teacher's account changes
(forget_classrooms, called from pupils/signals.py). An ended membership ends within
CACHE_SECONDS."""

import secrets
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.db.models import Q
from django.utils import timezone

from basispoort.cookies import cookie_name, delete_cookie, get_signed_cookie, set_cookie
from schools.models import Teacher
from software import backchannel

from .models import ClassroomDevice

COOKIE = "bp_klas"
SALT = "pupils.classroom"
# "Last used" on the administrator's list is written at most this often per device.
LAST_USED_EVERY = timedelta(hours=1)


def _parts(request):
    """(group id, teacher id, device id) from the cookie the request came with, or None;
    checked once per request (the PIN POST asks three times)."""
    try:
        return request._classroom_cookie
    except AttributeError:
        pass
    value = get_signed_cookie(request, COOKIE, salt=SALT, max_age=settings.CLASSROOM_COOKIE_AGE) or ""
    group_id, teacher_id, device_id = (value.split(":") + ["", ""])[:3]
    parts = (group_id, teacher_id, device_id) if group_id.isdigit() and teacher_id.isdigit() else None
    request._classroom_cookie = parts
    return parts


def is_classroom_device(request):
    """True when this browser carries a classroom cookie (not checked further)."""
    return cookie_name(COOKIE) in request.COOKIES


def device_id(request):
    """The id of this browser's classroom device row (unchecked), or None."""
    parts = _parts(request)
    return _row_id(parts) if parts else None


def device_key(request):
    """The name failed secrets on this tablet are counted under, or None."""
    parts = _parts(request)
    return "klas:{}:{}:{}".format(*parts) if parts else None


def _row_id(parts):
    """The device's row: by its random id; a cookie from before devices had one shares a row
    with the other such devices of its group and teacher."""
    group_id, teacher_id, device_id = parts
    return device_id or f"{group_id}-{teacher_id}"


CACHE_SECONDS = 120


def _cache_key(row_id):
    return f"klas:{row_id}"


def connected_group(request):
    """The group whose tiles this device shows, while its teacher may still see it and nobody
    disconnected it; or None."""
    parts = _parts(request)
    if parts is None:
        return None
    group = cache.get(_cache_key(_row_id(parts)))
    if group is None:
        group = _check_device(parts)
        if group is not None:
            cache.set(_cache_key(_row_id(parts)), group, CACHE_SECONDS)
    return group


def _check_device(parts):
    group_id, teacher_id, device_id = parts
    teacher = Teacher.objects.current().filter(pk=teacher_id).first()
    if teacher is None:
        return None
    group = (
        teacher.visible_groups().select_related("school")
        .filter(pk=group_id, school__active=True).first()
    )
    if group is None:
        return None
    now = timezone.now()
    device, _created = ClassroomDevice.objects.get_or_create(
        device_id=_row_id(parts), defaults={"group": group, "teacher": teacher, "last_used_at": now})
    if device.revoked_at is not None or device.group_id != group.pk:
        return None
    if device.last_used_at is None or now - device.last_used_at > LAST_USED_EVERY:
        ClassroomDevice.objects.filter(pk=device.pk).update(last_used_at=now)
    return group


def forget_classrooms(*, teachers=(), groups=(), schools=(), devices=()):
    """Drop the cached groups of the devices that a change to these rows may have ended."""
    ids = set(devices)
    if teachers or groups or schools:
        match = Q(teacher__in=teachers) | Q(group__in=groups) | Q(group__school__in=schools)
        ids |= set(ClassroomDevice.objects.filter(match).values_list("device_id", flat=True))
    cache.delete_many([_cache_key(device_id) for device_id in ids])


def connect(response, *, group, teacher):
    """Make the browser that gets ``response`` a classroom device of ``group``."""
    device_id = secrets.token_hex(8)
    ClassroomDevice.objects.create(device_id=device_id, group=group, teacher=teacher,
                                   last_used_at=timezone.now())
    value = f"{group.pk}:{teacher.pk}:{device_id}"
    return set_cookie(response, COOKIE, value, salt=SALT, max_age=settings.CLASSROOM_COOKIE_AGE)


def disconnect(request, response):
    """This browser stops being a classroom device; its row is revoked too."""
    parts = _parts(request)
    if parts:
        ClassroomDevice.objects.filter(device_id=_row_id(parts), revoked_at=None).update(
            revoked_at=timezone.now())
        forget_classrooms(devices=[_row_id(parts)])
        # The pupils who used it are logged out at the publishers too: the next child on this
        # tablet never lands in the previous child's work.
        backchannel.end_device_sessions(_row_id(parts))
    return delete_cookie(response, COOKIE)


def devices_of(school):
    """The classroom devices in use at ``school``, for its administrator."""
    return (ClassroomDevice.objects.filter(group__school=school, revoked_at=None)
            .select_related("group", "teacher__user").order_by("group__name", "-connected_at"))
