from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HomeloginConfig(AppConfig):
    name = "homelogin"
    verbose_name = _("Thuis inloggen")

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from .services import remember_parent_language

        user_logged_in.connect(remember_parent_language, dispatch_uid="homelogin.parent_language")
