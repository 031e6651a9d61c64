from django.conf import settings
from django.core.checks import Tags, Warning, register


@register(Tags.security, deploy=True)
def oidc_signing_key_from_environment(app_configs, **kwargs):
    if settings.OIDC_KEY_FROM_ENVIRONMENT:
        return []
    return [Warning(
        "The OpenID Connect signing key is a development key (var/ or made at start-up).",
        hint="Set OIDC_RSA_PRIVATE_KEY (PEM) or OIDC_RSA_PRIVATE_KEY_FILE so every app server "
             "signs ID tokens with the same key.",
        id="software.W001",
    )]
