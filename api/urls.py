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
]
