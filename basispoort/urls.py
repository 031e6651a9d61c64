from django.conf import settings
from django.contrib import admin
from django.urls import include, path, register_converter

from .converters import IdConverter
from .health import health

register_converter(IdConverter, "id")

admin.site.site_header = "Basispoort beheer"
admin.site.site_title = "Basispoort beheer"
admin.site.index_title = "Schoolgegevens"

urlpatterns = [
    # First: the pages of the 08:30 storm (tiles, PIN, overview), found before every other
    # pattern is tried.
    path("", include("pupils.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("health/", health, name="health"),
    path("beheer/", admin.site.urls),
    path("", include("teachers.urls")),
    path("", include("homelogin.urls")),
    path("", include("software.urls")),
    # OpenID Connect for publishers: only the endpoints they use (software/oidc_urls.py).
    path("o/", include("software.oidc_urls")),
    # The publishers' REST API (api/).
    path("api/v2/", include("api.urls")),
]

if settings.DEMO_PUBLISHER:
    urlpatterns.append(path("demo-uitgever/", include("demo_publisher.urls")))

# A database outage answers 503 with Retry-After; anything else the ordinary 500 page.
handler500 = "basispoort.errors.server_error"
