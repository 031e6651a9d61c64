from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete
from django.dispatch import receiver
from oauth2_provider.models import (
    get_access_token_model,
    get_grant_model,
    get_id_token_model,
    get_refresh_token_model,
)

from schools.models import Group

from . import backchannel
from .models import (
    Licence,
    Product,
    ProductGrant,
    Publisher,
    Software,
    SyncPermission,
    forget_overviews,
    forget_product_grants,
)


@receiver(user_logged_in)
def end_replaced_session(sender, request, user, **kwargs):
    """A new login on this browser is a new session with its own sid. Django keeps the old
    session's data when the same person logs in again: that session has ended, at the
    publishers too. (Another person's login flushes the session before this runs; the
    pupils' login ends it first, pupils/session.py.)"""
    backchannel.end_session(request)


@receiver(user_logged_out)
def end_oidc_session(sender, request, user, **kwargs):
    """"Uitloggen" at Basispoort (or a session that ran out) also ends what publishers hold:
    every code and token issued for this user stops working at once."""
    backchannel.end_session(request)  # and each publisher opened in this session hears it
    if user is None:
        return
    for model in (get_grant_model(), get_refresh_token_model(), get_access_token_model(),
                  get_id_token_model()):
        model.objects.filter(user=user).delete()


# The overview's cached lists (SoftwareQuerySet.for_overview) of every group a change may touch.


@receiver([post_save, post_delete], sender=Licence)
def licence_changed(sender, instance, **kwargs):
    forget_overviews(Group.objects.filter(school_id=instance.school_id).values_list("pk", flat=True))


@receiver(m2m_changed, sender=Licence.groups.through)
def licence_groups_changed(sender, instance, action, **kwargs):
    if action.startswith("post_") and isinstance(instance, Licence):
        licence_changed(sender, instance)


@receiver([post_save, post_delete], sender=Software)
def software_changed(sender, instance, **kwargs):
    forget_overviews(Group.objects.filter(school__licences__software=instance).values_list("pk", flat=True))


@receiver(post_save, sender=Publisher)
def publisher_changed(sender, instance, **kwargs):
    forget_overviews(Group.objects.filter(school__licences__software__publisher=instance)
                     .values_list("pk", flat=True))


# The overview's cached product tiles (product_tiles_for): a product's name or icon, and a
# school's permission for its publisher, change what every grant at those schools shows.
# Grants themselves are written and revoked in bulk by api/grants.py, which forgets them itself
# (a post_delete receiver would turn every bulk delete into a row-by-row one); an edit in
# /beheer/ is one row.


@receiver(post_save, sender=Product)
@receiver(pre_delete, sender=Product)
def product_changed(sender, instance, **kwargs):
    forget_product_grants(ProductGrant.objects.filter(product=instance).values_list("school_id", flat=True))


@receiver([post_save, post_delete], sender=SyncPermission)
def sync_permission_changed(sender, instance, **kwargs):
    forget_product_grants([instance.school_id])


@receiver(post_save, sender=ProductGrant)
def product_grant_changed(sender, instance, **kwargs):
    forget_product_grants([instance.school_id])
