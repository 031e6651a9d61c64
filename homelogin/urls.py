from django.urls import path
from django.views.generic import TemplateView

from . import code_views, family_views, guardian_views

app_name = "homelogin"
urlpatterns = [
    # The start page: the "Leerlingen" block, and the tiles of a home device that remembers pupils.
    path("", code_views.home, name="home"),
    # The home login code gate, and the device that remembers it.
    path("thuis/code/", code_views.code_entry, name="code_entry"),
    path("thuis/apparaat/", code_views.code_device_tiles, name="code_device_tiles"),
    path("thuis/apparaat/leerling/<id:pk>/", code_views.code_device_pupil, name="code_device_pupil"),
    # The parents' gate: e-mail accounts.
    path("thuis/", guardian_views.guardian_login, name="guardian_login"),
    path("thuis/vergeten/", guardian_views.guardian_forgot, name="guardian_forgot"),
    path("thuis/wachtwoord/<uidb64>/<token>/", guardian_views.GuardianSetPasswordView.as_view(),
         name="guardian_set_password"),
    path("thuis/kinderen/", guardian_views.guardian_children, name="guardian_children"),
    path("thuis/kinderen/<id:pk>/", guardian_views.guardian_child, name="guardian_child"),
    path("thuis/uitloggen/", guardian_views.guardian_logout, name="guardian_logout"),
    # The parent's own pages: devices, rescue codes, what publishers know, everything held.
    path("thuis/apparaten/", family_views.guardian_devices, name="guardian_devices"),
    path("thuis/apparaten/<id:pk>/naam/", family_views.guardian_device_rename,
         name="guardian_device_rename"),
    path("thuis/apparaten/<id:pk>/verwijderen/", family_views.guardian_device_revoke,
         name="guardian_device_revoke"),
    path("thuis/kinderen/<id:pk>/reservecode/", family_views.guardian_rescue_code,
         name="guardian_rescue_code"),
    path("thuis/kinderen/<id:pk>/uitgevers/", family_views.guardian_publishers,
         name="guardian_publishers"),
    path("thuis/kinderen/<id:pk>/downloaden/", family_views.guardian_download,
         name="guardian_download"),
    # The footer's help line: both home flows, step by step, as on the printed instructions.
    path("thuis/hulp/", TemplateView.as_view(template_name="homelogin/help.html"), name="help"),
]
