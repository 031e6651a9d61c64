from django.contrib.auth.signals import user_logged_out
from django.dispatch import receiver
from oauth2_provider.models import (
    get_access_token_model,
    get_grant_model,
    get_id_token_model,
    get_refresh_token_model,
)


@receiver(user_logged_out)
def end_oidc_session(sender, request, user, **kwargs):
    """"Uitloggen" at Basispoort also ends what publishers hold: every code and token issued for
    this user stops working at once."""
    if user is None:
        return
    for model in (get_grant_model(), get_refresh_token_model(), get_access_token_model(),
                  get_id_token_model()):
        model.objects.filter(user=user).delete()
