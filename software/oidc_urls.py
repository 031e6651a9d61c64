"""/o/: the OpenID Connect endpoints publishers use, and nothing else. django-oauth-toolkit's
application registration, token management, introspection, device flow and dynamic client
registration are not routed: OAuth clients are made by platform staff in /beheer/."""

from django.urls import path
from oauth2_provider import views as oauth2_views

from . import views

app_name = "oauth2_provider"  # the names django-oauth-toolkit reverses (discovery, logout)
urlpatterns = [
    path("authorize/", views.LicensedAuthorizationView.as_view(), name="authorize"),
    path("token/", views.TokenView.as_view(), name="token"),
    path("revoke_token/", views.RevokeTokenView.as_view(), name="revoke-token"),
    path("userinfo/", views.UserInfoView.as_view(), name="user-info"),
    path(".well-known/jwks.json", oauth2_views.JwksInfoView.as_view(), name="jwks-info"),
    path("logout/", oauth2_views.RPInitiatedLogoutView.as_view(), name="rp-initiated-logout"),
]
