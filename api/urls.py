"""/api/v2/: the publishers' REST API, its OpenAPI document and its reference page."""

from django.urls import path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from . import views

app_name = "api"
SCHOOL = r"instellingen/(?P<code>[0-9]{2}[A-Za-z0-9]{2}[0-9]{2})"
urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
    path("instellingen/", views.SchoolList.as_view(), name="schools"),
    path("instellingen/ingetrokken/", views.RevokedSchoolList.as_view(), name="schools_revoked"),
    re_path(rf"^{SCHOOL}/$", views.SchoolDetail.as_view(), name="school"),
    re_path(rf"^{SCHOOL}/groepen/$", views.GroupList.as_view(), name="groups"),
    re_path(rf"^{SCHOOL}/leerlingen/$", views.PupilList.as_view(), name="pupils"),
    re_path(rf"^{SCHOOL}/leerlingen/vervallen/$", views.RetiredPupilList.as_view(), name="pupils_retired"),
    re_path(rf"^{SCHOOL}/staf/$", views.StaffList.as_view(), name="staff"),
    path("producten/", views.ProductList.as_view(), name="products"),
    re_path(r"^producten/(?P<code>[A-Za-z0-9._-]{1,64})/$", views.ProductDetail.as_view(), name="product"),
    re_path(rf"^{SCHOOL}/licenties/$", views.GrantList.as_view(), name="grants"),
    re_path(rf"^{SCHOOL}/licenties/intrekken/$", views.GrantRevoke.as_view(), name="grants_revoke"),
    re_path(rf"^{SCHOOL}/licenties/(?P<pk>[0-9]{{1,18}})/$", views.GrantDetail.as_view(), name="grant"),
]
