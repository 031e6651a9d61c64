from django.urls import path

from . import views

app_name = "software"
urlpatterns = [
    path("software/<slug:slug>/start/", views.launch, name="launch"),
]
