import time

from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.dispatch import receiver
from oauth2_provider.models import (
    get_access_token_model,
    get_grant_model,
    get_id_token_model,
    get_refresh_token_model,
)

SESSION_AUTH_TIME = "auth_time"  # when this session logged in (epoch seconds): the ID token's auth_time


@receiver(user_logged_in)
def remember_auth_time(sender, request, user, **kwargs):
    """Every login (a pupil's PIN or pictures, a teacher's or parent's password) starts a new
    session; publishers learn when through auth_time, and max_age is measured from it."""
    if request is not None and hasattr(request, "session"):
        request.session[SESSION_AUTH_TIME] = int(time.time())


@receiver(user_logged_out)
def end_oidc_session(sender, request, user, **kwargs):
    """"Uitloggen" at Basispoort also ends what publishers hold: every code and token issued for
    this user stops working at once."""
    if user is None:
        return
    for model in (get_grant_model(), get_refresh_token_model(), get_access_token_model(),
                  get_id_token_model()):
        model.objects.filter(user=user).delete()
