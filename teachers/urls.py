from django.urls import path

from . import account_views, school_admin_views, views

app_name = "teachers"
urlpatterns = [
    path("leerkracht/", views.my_groups, name="my_groups"),
    # The staff member's own account: login, password, school, second step.
    path("leerkracht/inloggen/", account_views.TeacherLoginView.as_view(), name="teacher_login"),
    path("leerkracht/uitloggen/", account_views.TeacherLogoutView.as_view(), name="teacher_logout"),
    path("leerkracht/wachtwoord-vergeten/", account_views.staff_forgot, name="staff_forgot"),
    path("leerkracht/wachtwoord/<uidb64>/<token>/", account_views.StaffSetPasswordView.as_view(),
         name="staff_set_password"),
    path("leerkracht/school/", account_views.choose_school, name="choose_school"),
    path("leerkracht/tweede-stap/", account_views.second_step, name="second_step"),
    path("leerkracht/tweede-stap/instellen/", account_views.second_step_setup, name="second_step_setup"),
    path("leerkracht/account/", account_views.account, name="account"),
    # Groups and pupils.
    path("leerkracht/groep/<id:pk>/", views.group_detail, name="group_detail"),
    path("leerkracht/groep/<id:pk>/codes/", views.group_codes, name="group_codes"),
    path("leerkracht/groep/<id:pk>/bulk/", views.group_bulk, name="group_bulk"),
    path("leerkracht/groep/<id:pk>/invalkracht/", views.substitute_add, name="substitute_add"),
    path("leerkracht/leerling/<id:pk>/", views.pupil_detail, name="pupil_detail"),
    path("leerkracht/leerling/<id:pk>/wachtwoord/", views.pupil_set_secret, name="pupil_set_secret"),
    path("leerkracht/leerling/<id:pk>/naamtegel/", views.pupil_set_tile, name="pupil_set_tile"),
    path("leerkracht/leerling/<id:pk>/thuis/", views.pupil_home_login, name="pupil_home_login"),
    path("leerkracht/leerling/<id:pk>/ontgrendelen/", views.pupil_unlock, name="pupil_unlock"),
    path("leerkracht/leerling/<id:pk>/code/", views.pupil_code, name="pupil_code"),
    path("leerkracht/leerling/<id:pk>/code/mailen/", views.pupil_code_mail, name="pupil_code_mail"),
    path("leerkracht/leerling/<id:pk>/apparaten/intrekken/", views.pupil_revoke_devices,
         name="pupil_revoke_devices"),
    path("leerkracht/leerling/<id:pk>/apparaten/<id:entry_pk>/verwijderen/", views.pupil_revoke_device,
         name="pupil_revoke_device"),
    path("leerkracht/leerling/<id:pk>/reservecode/", views.pupil_rescue_code, name="pupil_rescue_code"),
    path("leerkracht/leerling/<id:pk>/ouders/", views.pupil_add_guardian, name="pupil_add_guardian"),
    path("leerkracht/leerling/<id:pk>/ouders/<id:link_pk>/verwijderen/", views.pupil_remove_guardian,
         name="pupil_remove_guardian"),
    path("leerkracht/import/", views.school_import, name="school_import"),
    path("leerkracht/auditlog/", views.audit_log, name="audit_log"),
    # School administration (the ICT-coördinator, own school only).
    path("leerkracht/beheer/", school_admin_views.admin_home, name="admin_home"),
    path("leerkracht/beheer/medewerkers/", school_admin_views.staff_list, name="staff_list"),
    path("leerkracht/beheer/medewerkers/nieuw/", school_admin_views.staff_add, name="staff_add"),
    path("leerkracht/beheer/medewerkers/uitnodigen/", school_admin_views.staff_invite_all,
         name="staff_invite_all"),
    path("leerkracht/beheer/medewerkers/<id:pk>/", school_admin_views.staff_edit, name="staff_edit"),
    path("leerkracht/beheer/medewerkers/<id:pk>/uitnodigen/", school_admin_views.staff_invite,
         name="staff_invite"),
    path("leerkracht/beheer/medewerkers/<id:pk>/tweede-stap/", school_admin_views.staff_reset_second_step,
         name="staff_reset_second_step"),
    path("leerkracht/beheer/licenties/", school_admin_views.licences, name="licences"),
    path("leerkracht/beheer/licenties/<id:pk>/", school_admin_views.licence_edit, name="licence_edit"),
    path("leerkracht/beheer/klassencomputers/", school_admin_views.devices, name="devices"),
    path("leerkracht/beheer/klassencomputers/<id:pk>/loskoppelen/", school_admin_views.device_disconnect,
         name="device_disconnect"),
    # Setting up a classroom device: the teacher's two clicks on /klas/.
    path("klas/instellen/", views.classroom_connect, name="classroom_connect"),
    path("klas/loskoppelen/", views.classroom_disconnect, name="classroom_disconnect"),
]
