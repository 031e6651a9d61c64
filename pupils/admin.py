from django.contrib import admin

from .models import Pupil


@admin.register(Pupil)
class PupilAdmin(admin.ModelAdmin):
    list_display = [
        "full_name", "group", "school", "secret_kind", "home_login_enabled", "active",
    ]
    list_filter = ["school", "group__year_level", "secret_kind", "home_login_enabled", "active"]
    search_fields = ["first_name", "last_name", "external_id", "school__brin"]
    list_select_related = ["group", "school"]
    raw_id_fields = ["user"]
    fields = [
        "user", "school", "group", "first_name", "last_name_prefix", "last_name", "birth_date",
        "tile_picture", "secret_kind", "home_login_enabled", "external_id", "eckid", "active",
    ]
    # Secrets are set by the teacher pages (shown once); the admin never shows or edits a hash.
    readonly_fields = ["secret_kind"]

    @admin.display(description="naam", ordering="first_name")
    def full_name(self, pupil):
        return pupil.full_name
