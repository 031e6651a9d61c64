from django.urls import path

from . import publishers, views

app_name = "teachers"
urlpatterns = [
    path("leerkracht/", views.my_groups, name="my_groups"),
    path("leerkracht/inloggen/", views.TeacherLoginView.as_view(), name="teacher_login"),
    path("leerkracht/uitloggen/", views.TeacherLogoutView.as_view(), name="teacher_logout"),
    path("leerkracht/groep/<id:pk>/", views.group_detail, name="group_detail"),
    path("leerkracht/groep/<id:pk>/codes/", views.group_codes, name="group_codes"),
    path("leerkracht/groep/<id:pk>/bulk/", views.group_bulk, name="group_bulk"),
    path("leerkracht/leerling/<id:pk>/", views.pupil_detail, name="pupil_detail"),
    path("leerkracht/leerling/<id:pk>/wachtwoord/", views.pupil_set_secret, name="pupil_set_secret"),
    path("leerkracht/leerling/<id:pk>/naamtegel/", views.pupil_set_tile, name="pupil_set_tile"),
    path("leerkracht/leerling/<id:pk>/thuis/", views.pupil_home_login, name="pupil_home_login"),
    path("leerkracht/leerling/<id:pk>/ontgrendelen/", views.pupil_unlock, name="pupil_unlock"),
    path("leerkracht/leerling/<id:pk>/code/", views.pupil_code, name="pupil_code"),
    path("leerkracht/leerling/<id:pk>/code/mailen/", views.pupil_code_mail, name="pupil_code_mail"),
    path("leerkracht/leerling/<id:pk>/apparaten/intrekken/", views.pupil_revoke_devices,
         name="pupil_revoke_devices"),
    path("leerkracht/leerling/<id:pk>/ouders/", views.pupil_add_guardian, name="pupil_add_guardian"),
    path("leerkracht/leerling/<id:pk>/ouders/<id:link_pk>/verwijderen/", views.pupil_remove_guardian,
         name="pupil_remove_guardian"),
    path("leerkracht/import/", views.school_import, name="school_import"),
    path("leerkracht/auditlog/", views.audit_log, name="audit_log"),
    # School administration: which publishers may read the roster (teachers/publishers.py).
    path("leerkracht/beheer/uitgevers/", publishers.publishers, name="publishers"),
    path("leerkracht/beheer/uitgevers/<id:pk>/", publishers.publisher_permission,
         name="publisher_permission"),
    path("leerkracht/beheer/uitgevers/pseudoniem/", publishers.publisher_pseudonym,
         name="publisher_pseudonym"),
    # Setting up a classroom device: the teacher's two clicks on /klas/.
    path("klas/instellen/", views.classroom_connect, name="classroom_connect"),
    path("klas/loskoppelen/", views.classroom_disconnect, name="classroom_disconnect"),
]
