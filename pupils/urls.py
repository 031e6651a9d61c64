from django.urls import path

from . import views

app_name = "pupils"
urlpatterns = [
    path("klas/", views.classroom, name="classroom"),
    path("klas/leerling/<id:pk>/", views.classroom_pupil, name="classroom_pupil"),
    path("overzicht/", views.overview, name="overview"),
    path("uitloggen/", views.pupil_logout, name="pupil_logout"),
]
