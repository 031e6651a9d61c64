from django.contrib import admin

from .models import DeviceGrant, DeviceGrantPupil, GuardianLink, HomeLoginCode


@admin.register(GuardianLink)
class GuardianLinkAdmin(admin.ModelAdmin):
    list_display = ["guardian", "pupil", "created_at"]
    list_filter = ["pupil__school"]
    search_fields = ["guardian__username", "guardian__email", "pupil__first_name", "pupil__last_name"]
    list_select_related = ["guardian", "pupil"]
    raw_id_fields = ["guardian", "pupil"]


@admin.register(HomeLoginCode)
class HomeLoginCodeAdmin(admin.ModelAdmin):
    # Codes are made on the teacher pages (the code is shown only then); here they are read-only.
    list_display = ["selector", "pupil", "created_at", "created_by", "revoked_at"]
    list_filter = ["pupil__school", ("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["selector", "pupil__first_name", "pupil__last_name"]
    list_select_related = ["pupil", "created_by"]
    readonly_fields = ["pupil", "selector", "created_at", "created_by", "revoked_at"]
    exclude = ["verifier_hash"]

    def has_add_permission(self, request):
        return False


class DeviceGrantPupilInline(admin.TabularInline):
    model = DeviceGrantPupil
    extra = 0
    readonly_fields = ["pupil", "code", "rescue_code", "added_at", "last_used_at"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(DeviceGrant)
class DeviceGrantAdmin(admin.ModelAdmin):
    list_display = ["__str__", "created_at", "last_used_at", "revoked_at"]
    list_filter = [("revoked_at", admin.EmptyFieldListFilter), "created_at"]
    search_fields = ["entries__pupil__first_name", "entries__pupil__last_name"]
    readonly_fields = ["created_at", "last_used_at"]
    exclude = ["token_hash"]
    inlines = [DeviceGrantPupilInline]

    def has_add_permission(self, request):
        return False
