"""A change that may end a classroom device drops its cached group at once (pupils/classroom.py)."""

from django.conf import settings
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver

from schools.models import Group, School, Teacher

from .classroom import forget_classrooms
from .models import ClassroomDevice


@receiver([post_save, post_delete], sender=Teacher)
def teacher_changed(sender, instance, **kwargs):
    forget_classrooms(teachers=[instance.pk])


@receiver(m2m_changed, sender=Teacher.groups.through)
def teacher_groups_changed(sender, instance, action, pk_set=None, **kwargs):
    if action.startswith("post_"):
        if isinstance(instance, Teacher):
            forget_classrooms(teachers=[instance.pk])
        else:
            forget_classrooms(groups=[instance.pk])


@receiver([post_save, post_delete], sender=Group)
def group_changed(sender, instance, **kwargs):
    forget_classrooms(groups=[instance.pk])


@receiver(post_save, sender=School)
def school_changed(sender, instance, **kwargs):
    forget_classrooms(schools=[instance.pk])


@receiver(post_save, sender=settings.AUTH_USER_MODEL)
def account_changed(sender, instance, update_fields=None, **kwargs):
    if update_fields is not None and set(update_fields) <= {"last_login", "language"}:
        return  # a login or a language choice ends no classroom
    roles = list(instance.school_roles.values_list("pk", flat=True)) if instance.pk else []
    if roles:
        forget_classrooms(teachers=roles)


@receiver([post_save, post_delete], sender=ClassroomDevice)
def device_changed(sender, instance, **kwargs):
    forget_classrooms(devices=[instance.device_id])
