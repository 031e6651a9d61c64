"""The classroom device: a signed cookie "<group id>:<teacher id>:<device id>" that a teacher
sets on a school tablet (teachers.views.classroom_connect). It stays valid while that teacher may
still see that group, so taking a teacher off a group also switches off their devices. The device
id (random, made at connecting) is what failed PINs are slowed down per: one tablet, not the
whole class (basispoort/lockout.py).

Every tile, PIN pad and PIN POST on the device needs its group, so a valid (teacher, group) is
kept in the cache for CACHE_SECONDS, and dropped at once when the teacher, their groups, the
group, the school or the teacher's account changes (forget_classrooms, called from
pupils/signals.py). Disconnecting deletes the cookie: that device stops at once too."""

import secrets

from django.conf import settings
from django.core.cache import cache

from basispoort.cookies import cookie_name, delete_cookie, get_signed_cookie, set_cookie
from schools.models import Group, Teacher

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


CACHE_SECONDS = 120


def _cache_key(teacher_id, group_id):
    return f"klas:{teacher_id}:{group_id}"


def connected_group(request):
    """The group whose tiles this device shows, while its teacher may still see it; or None."""
    parts = _parts(request)
    if parts is None:
        return None
    group_id, teacher_id, _device = parts
    key = _cache_key(teacher_id, group_id)
    group = cache.get(key)
    if group is None:
        teacher = Teacher.objects.filter(pk=teacher_id, user__is_active=True).first()
        group = teacher and (
            teacher.visible_groups().select_related("school")
            .filter(pk=group_id, school__active=True).first()
        )
        if group is not None:
            cache.set(key, group, CACHE_SECONDS)
    return group


def forget_classrooms(*, teachers=(), groups=(), schools=()):
    """Drop the cached (teacher, group) pairs that a change to these rows may have ended."""
    teacher_ids = set(teachers)
    group_ids = set(groups)
    if schools:
        teacher_ids |= set(Teacher.objects.filter(school__in=schools).values_list("pk", flat=True))
        group_ids |= set(Group.objects.filter(school__in=schools).values_list("pk", flat=True))
    if teacher_ids and not group_ids:
        group_ids = set(Group.objects.filter(school__teachers__in=teacher_ids).values_list("pk", flat=True))
    if group_ids and not teacher_ids:
        teacher_ids = set(Teacher.objects.filter(school__groups__in=group_ids).values_list("pk", flat=True))
    cache.delete_many([_cache_key(t, g) for t in teacher_ids for g in group_ids])


def connect(response, *, group, teacher):
    """Make the browser that gets ``response`` a classroom device of ``group``."""
    value = f"{group.pk}:{teacher.pk}:{secrets.token_hex(8)}"
    return set_cookie(response, COOKIE, value, salt=SALT, max_age=settings.CLASSROOM_COOKIE_AGE)


def disconnect(response):
    return delete_cookie(response, COOKIE)
