"""The project's URLs plus /bench/bare/: the same server's cheapest page, served through the full
middleware stack. Every scenario's throughput is reported as a ratio to it."""

from django.http import HttpResponse
from django.urls import include, path

BARE = b"<!doctype html><html lang=nl><title>bare</title><p>ok</p></html>"


def bare(request):
    return HttpResponse(BARE)


urlpatterns = [
    path("bench/bare/", bare),
    path("", include("basispoort.urls")),
]
