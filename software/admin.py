from django.contrib import admin
from oauth2_provider import admin as oauth2_admin
from oauth2_provider.models import get_application_model

from basispoort.admin import ReadOnlyAdmin, ViewOnlyAdmin
from schools.models import AuditEntry

from .models import Licence, Product, ProductGrant, Publisher, PublisherSession, Release, Software

Application = get_application_model()


class SoftwareInline(admin.TabularInline):
    model = Software
    extra = 0
    fields = ["name", "slug", "launch_url"]
    show_change_link = True


@admin.register(Publisher)
class PublisherAdmin(admin.ModelAdmin):
    list_display = ["name", "website", "contact_email"]
    search_fields = ["name"]
    inlines = [SoftwareInline]


@admin.register(Software)
class SoftwareAdmin(admin.ModelAdmin):
    list_display = ["name", "publisher", "slug", "launch_url", "application"]
    list_filter = ["publisher"]
    search_fields = ["name", "slug", "publisher__name"]
    list_select_related = ["publisher", "application"]
    raw_id_fields = ["application"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Licence)
class LicenceAdmin(admin.ModelAdmin):
    list_display = [
        "software", "school", "all_groups", "home_use", "valid_from", "valid_until",
        "shares_first_name", "shares_eckid",
    ]
    list_filter = ["school", "home_use", "all_groups", "software__publisher"]
    search_fields = ["software__name", "school__name", "school__brin"]
    list_select_related = ["software", "school"]
    filter_horizontal = ["groups"]
    date_hierarchy = "valid_from"

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        AuditEntry.objects.record(request, AuditEntry.Action.LICENCE_CHANGED, school=obj.school,
                                  detail=f"{obj.software}: {'gewijzigd' if change else 'nieuw'}, "
                                         f"thuis {'ja' if obj.home_use else 'nee'}")

    def delete_model(self, request, obj):
        AuditEntry.objects.record(request, AuditEntry.Action.LICENCE_CHANGED, school=obj.school,
                                  detail=f"{obj.software}: verwijderd")
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for licence in queryset.select_related("software", "school"):
            self.delete_model(request, licence)


# OpenID Connect clients, made by platform staff only: an authorization-code client with ID
# tokens signed RS256 is the only kind this provider serves (no HS256: its key would be the
# client secret, which we store hashed, and discovery offers RS256 only).
admin.site.unregister(Application)


@admin.register(Application)
class ApplicationAdmin(oauth2_admin.ApplicationAdmin):
    view_on_site = False  # django-oauth-toolkit's own pages for it are not routed

    only = {"algorithm": Application.RS256_ALGORITHM,
            "authorization_grant_type": Application.GRANT_AUTHORIZATION_CODE}

    def formfield_for_choice_field(self, db_field, request, **kwargs):
        if db_field.name in self.only:
            kwargs["choices"] = [c for c in db_field.choices if c[0] == self.only[db_field.name]]
        return super().formfield_for_choice_field(db_field, request, **kwargs)


@admin.register(Release)
class ReleaseAdmin(ViewOnlyAdmin):
    # A record of what went to a publisher: read-only, pruned by prune_releases.
    list_display = ["created_at", "user", "publisher", "software", "client_id", "channel"]
    list_filter = ["channel", "publisher"]
    search_fields = ["client_id", "user__username"]
    list_select_related = ["user", "publisher", "software"]
    readonly_fields = ["user", "publisher", "software", "client_id", "channel", "claims", "created_at"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(PublisherSession)
class PublisherSessionAdmin(ViewOnlyAdmin):
    # Which software a session opened and whether its logout token arrived (software/backchannel.py):
    # read-only, pruned after a week.
    list_display = ["created_at", "software", "user", "logged_out_at", "delivered_at", "attempts"]
    list_filter = ["software__publisher"]
    search_fields = ["software__name", "user__username"]
    list_select_related = ["software", "user"]
    readonly_fields = ["sid", "user", "software", "classroom_device", "created_at", "logged_out_at",
                       "delivered_at", "attempts"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


# Publishers manage their products and grants through the API (api/), which audits every write;
# here platform staff only look.

@admin.register(Product)
class ProductAdmin(ReadOnlyAdmin):
    list_display = ["name", "code", "publisher", "software", "audience", "updated_at"]
    list_filter = ["publisher", "audience"]
    search_fields = ["name", "code", "publisher__name"]
    list_select_related = ["publisher", "software"]
    exclude = ["icon"]


@admin.register(ProductGrant)
class ProductGrantAdmin(ReadOnlyAdmin):
    list_display = ["product", "school", "pupil", "group", "valid_from", "valid_until", "updated_at"]
    list_filter = ["product__publisher"]
    search_fields = ["product__name", "product__code", "school__name", "school__brin"]
    list_select_related = ["product", "school", "pupil", "group"]
