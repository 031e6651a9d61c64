from django.contrib import admin
from django.urls import include, path, register_converter

from homelogin import views as homelogin_views

from .converters import IdConverter

register_converter(IdConverter, "id")

admin.site.site_header = "Basispoort beheer"
admin.site.site_title = "Basispoort beheer"
admin.site.index_title = "Schoolgegevens"

urlpatterns = [
    path("", homelogin_views.home, name="home"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("beheer/", admin.site.urls),
    path("leerkracht/", include("schools.urls")),
    path("thuis/", include("homelogin.urls")),
    path("", include("pupils.urls")),
]
