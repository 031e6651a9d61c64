from django.contrib import admin

from basispoort.admin import ReadOnlyAdmin

from .models import AuditEntry, Group, School, Teacher


class GroupInline(admin.TabularInline):
    model = Group
    extra = 0
    fields = ["name", "year_level", "school_year", "external_id"]
    show_change_link = True


@admin.register(School)
class SchoolAdmin(admin.ModelAdmin):
    list_display = ["name", "brin", "vestiging", "active"]
    list_filter = ["active"]
    search_fields = ["name", "brin"]
    inlines = [GroupInline]


@admin.register(Group)
class GroupAdmin(admin.ModelAdmin):
    list_display = ["name", "school", "year_level", "school_year"]
    list_filter = ["school", "year_level", "school_year"]
    search_fields = ["name", "school__name", "school__brin", "external_id"]
    list_select_related = ["school"]


@admin.register(Teacher)
class TeacherAdmin(admin.ModelAdmin):
    list_display = ["user", "school", "role"]
    list_filter = ["role", "school"]
    search_fields = ["user__username", "user__first_name", "user__last_name", "user__email"]
    list_select_related = ["user", "school"]
    autocomplete_fields = ["user"]
    filter_horizontal = ["groups"]


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    """Read-only: an audit log nobody can edit."""

    list_display = ["created_at", "school", "actor", "action", "pupil", "detail", "ip_address"]
    list_filter = ["school", "action", "created_at"]
    search_fields = ["actor__username", "pupil__first_name", "pupil__last_name", "detail"]
    list_select_related = ["school", "actor", "pupil"]
    date_hierarchy = "created_at"
