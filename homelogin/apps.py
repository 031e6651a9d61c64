from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HomeloginConfig(AppConfig):
    name = "homelogin"
    verbose_name = _("Thuis inloggen")
