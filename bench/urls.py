"""The project's URLs plus /bench/floor/<pupil id>/: the floor, the least a page of this site can
cost. It goes through the whole middleware stack, loads the visitor's session, hands out a CSRF
token (as every page with a form does) and runs one query on an index (a pupil's first name by
primary key). Every request of the benchmark is reported as a multiple of its server CPU."""

from django.http import Http404, HttpResponse
from django.middleware.csrf import get_token
from django.urls import include, path
from django.utils.html import escape
from django.views.decorators.cache import never_cache

from pupils.models import Pupil


@never_cache
def floor(request, pk):
    request.session.setdefault("bench", "floor")  # saved on the first visit only
    name = Pupil.objects.filter(pk=pk).values_list("first_name", flat=True).first()
    if name is None:
        raise Http404
    return HttpResponse(
        "<!doctype html><html lang=nl><title>floor</title>"
        f'<form method=post><input type=hidden name=csrfmiddlewaretoken value="{get_token(request)}">'
        f"<p>{escape(name)}</p></form></html>"
    )


urlpatterns = [
    path("bench/floor/<int:pk>/", floor),
    path("", include("basispoort.urls")),
]
