from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse


def healthz(request):
    """For the container health check. The database is needed (503 without it);
    the cache is not: without it the site serves from the database, slower, and
    says "degraded" (200)."""
    checks = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
    except Exception:  # noqa: BLE001 - any failure means unhealthy
        checks["database"] = "error"
    try:
        # django-redis ignores a missing Redis (IGNORE_EXCEPTIONS): the read misses.
        cache.set("healthz", "1", 5)
        checks["cache"] = "ok" if cache.get("healthz") == "1" else "error"
    except Exception:  # noqa: BLE001
        checks["cache"] = "error"
    if checks["database"] != "ok":
        checks["status"] = "error"
    else:
        checks["status"] = "ok" if checks["cache"] == "ok" else "degraded"
    return JsonResponse(checks, status=503 if checks["status"] == "error" else 200)
