"""What every app's /beheer/ pages share."""

from django.contrib import admin


class ViewOnlyAdmin(admin.ModelAdmin):
    """Rows that only the code writes (what went to a publisher, which sessions opened what):
    platform staff look, and may delete what is due for pruning, but never add or change."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class ReadOnlyAdmin(ViewOnlyAdmin):
    """Rows nobody may touch in /beheer/: the audit log, what publishers manage through the API."""

    def has_delete_permission(self, request, obj=None):
        return False
