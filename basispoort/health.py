from django.core.cache import cache
from django.db import DatabaseError, connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache


@never_cache
def health(request):
    """/health/ for the load balancer: 200 when the database and the cache answer, else 503."""
    checks = {"database": "ok", "cache": "ok"}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        checks["database"] = "error"
    try:
        cache.set("health-check", "ok", 10)
        if cache.get("health-check") != "ok":
            checks["cache"] = "error"
    except Exception:  # any backend's connection error
        checks["cache"] = "error"
    return JsonResponse(checks, status=200 if set(checks.values()) == {"ok"} else 503)
