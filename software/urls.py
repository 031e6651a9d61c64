from django.urls import path

from . import views

app_name = "software"
urlpatterns = [
    path("software/<slug:slug>/start/", views.launch, name="launch"),
    path(".well-known/openid-configuration", views.DiscoveryView.as_view(), name="oidc_discovery"),
]
