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
    path("leerling/<id:pk>/naamtegel/", views.pupil_set_tile, name="pupil_set_tile"),
    path("leerling/<id:pk>/thuis/", views.pupil_home_login, name="pupil_home_login"),
    path("leerling/<id:pk>/ontgrendelen/", views.pupil_unlock, name="pupil_unlock"),
    path("leerling/<id:pk>/code/", views.pupil_code, name="pupil_code"),
    path("leerling/<id:pk>/code/mailen/", views.pupil_code_mail, name="pupil_code_mail"),
    path("groep/<id:pk>/codes/", views.group_codes, name="group_codes"),
    path("groep/<id:pk>/bulk/", views.group_bulk, name="group_bulk"),
    path("leerling/<id:pk>/apparaten/intrekken/", views.pupil_revoke_devices, name="pupil_revoke_devices"),
    path("import/", views.school_import, name="import"),
    path("auditlog/", views.audit_log, name="audit_log"),
    path("leerling/<id:pk>/ouders/", views.pupil_add_guardian, name="pupil_add_guardian"),
    path("leerling/<id:pk>/ouders/<id:link_pk>/verwijderen/", views.pupil_remove_guardian,
         name="pupil_remove_guardian"),
]
