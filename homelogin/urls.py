from django.urls import path

from . import guardian_views, views

app_name = "homelogin"
urlpatterns = [
    # The home login code and the device that remembers it.
    path("code/", views.code_entry, name="code"),
    path("apparaat/", views.device_tiles, name="device"),
    path("apparaat/leerling/<id:pk>/", views.device_pupil, name="device_pupil"),
    # Parents' e-mail accounts.
]
