from django.urls import path
from django.views.generic import TemplateView

from . import guardian_views, views

app_name = "homelogin"
urlpatterns = [
    # The home login code and the device that remembers it.
    path("code/", views.code_entry, name="code"),
    path("apparaat/", views.device_tiles, name="device"),
    path("apparaat/leerling/<id:pk>/", views.device_pupil, name="device_pupil"),
    # Parents' e-mail accounts.
    path("", guardian_views.guardian_login, name="login"),
    path("vergeten/", guardian_views.forgot_password, name="forgot"),
    path("wachtwoord/<uidb64>/<token>/", guardian_views.GuardianSetPasswordView.as_view(),
         name="set_password"),
    path("kinderen/", guardian_views.children, name="children"),
    path("kinderen/<id:pk>/", guardian_views.child, name="child"),
    path("uitloggen/", guardian_views.guardian_logout, name="guardian_logout"),
    # The footer's help line: both home flows, step by step, as on the printed instructions.
    path("hulp/", TemplateView.as_view(template_name="homelogin/help.html"), name="help"),
]
