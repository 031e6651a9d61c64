from django.apps import AppConfig


class ApiConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "api"
    verbose_name = "API voor uitgevers"

    def ready(self):
        from . import authentication  # noqa: F401  (its OpenAPI extension registers itself)
