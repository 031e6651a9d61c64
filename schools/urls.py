from django.urls import path

from . import views

app_name = "schools"
urlpatterns = [
    path("", views.my_groups, name="my_groups"),
    path("inloggen/", views.TeacherLoginView.as_view(), name="login"),
    path("uitloggen/", views.TeacherLogoutView.as_view(), name="logout"),
    path("groep/<id:pk>/", views.group_detail, name="group"),
    path("leerling/<id:pk>/", views.pupil_detail, name="pupil"),
    path("leerling/<id:pk>/wachtwoord/", views.pupil_set_secret, name="pupil_set_secret"),
]
