from django.urls import path

from . import views

app_name = "software"
urlpatterns = [
    path("software/<slug:slug>/start/", views.launch, name="launch"),
    path("software/product/<int:pk>/start/", views.product_launch, name="product_launch"),
    path("software/product/<int:pk>/icoon/<str:icon_hash>/", views.product_icon, name="product_icon"),
    path(".well-known/openid-configuration", views.DiscoveryView.as_view(), name="oidc_discovery"),
]
