from django.core.cache import cache
from django.db import DatabaseError, connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache


@never_cache
def health(request):
    """/health/ for the load balancer: 503 only when the database does not answer.

    Without the cache (Redis) every page still works, more slowly and with per-server throttles
    (basispoort/cache.py), so a cache outage answers 200 with "cache": "degraded" (or "error" for
    a backend without a stand-in): a load balancer must not take every server out because Redis
    is down. Monitoring should alert on anything but "ok".
    """
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
        elif getattr(cache, "degraded", False):
            checks["cache"] = "degraded"
    except Exception:  # any backend's connection error
        checks["cache"] = "error"
    return JsonResponse(checks, status=200 if checks["database"] == "ok" else 503)
