"""/healthz: is the shop alive, with everything it needs?

database   a query answers (without it: "error", 503)
cache      Redis reads back what was written (without it pages go on from the database)
broker     the Celery broker accepts a connection (without it no task is queued)
worker     a worker answers a ping (without it no volume is booked, no e-mail sent)
beat       the beat's heartbeat is younger than HEALTH_BEAT_MAX_AGE (without it no
           subscription run, sweep or estimate refresh)

"ok" (200) when all are; "degraded" (503) when the database is there but something
else is not (the site still serves, but an operator must look); "error" (503) without
the database. In the embedded mode tasks run in the process: "tasks": "in process".
/healthz/live answers 200 while this process and its database serve (the container's
and a load balancer's check: a dead worker must not take the web out of rotation).
"""

import time

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse

from .celery import BEAT_STAMP, WORKER_STAMP, app


def _database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return "ok"
    except Exception:  # noqa: BLE001 - any failure means unhealthy
        return "error"


def _cache() -> str:
    try:
        # django-redis ignores a missing Redis (IGNORE_EXCEPTIONS): the read misses.
        cache.set("healthz", "1", 5)
        return "ok" if cache.get("healthz") == "1" else "error"
    except Exception:  # noqa: BLE001
        return "error"


def _broker() -> str:
    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, interval_start=0, timeout=2)
        return "ok"
    except Exception:  # noqa: BLE001
        return "error"


def _worker() -> str:
    try:
        replies = app.control.ping(timeout=settings.HEALTH_WORKER_PING_TIMEOUT, limit=1)
    except Exception:  # noqa: BLE001
        return "error"
    return "ok" if replies else "missing"


def _seen_ago(key: str) -> float | None:
    try:
        stamp = cache.get(key)
    except Exception:  # noqa: BLE001
        return None
    return None if stamp is None else max(0.0, time.time() - float(stamp))


def health_report() -> dict:
    checks: dict = {"database": _database(), "cache": _cache()}
    if settings.CELERY_TASK_ALWAYS_EAGER:
        checks["tasks"] = "in process"
    else:
        checks["broker"] = _broker()
        checks["worker"] = _worker() if checks["broker"] == "ok" else "unknown"
        beat_age = _seen_ago(BEAT_STAMP)
        worker_age = _seen_ago(WORKER_STAMP)
        checks["beat"] = (
            "ok" if beat_age is not None and beat_age <= settings.HEALTH_BEAT_MAX_AGE else "missing"
        )
        checks["beat_seen_seconds_ago"] = None if beat_age is None else round(beat_age)
        checks["worker_seen_seconds_ago"] = None if worker_age is None else round(worker_age)
    parts = [v for k, v in checks.items() if k in ("database", "cache", "broker", "worker", "beat")]
    if checks["database"] != "ok":
        checks["status"] = "error"
    else:
        checks["status"] = "ok" if all(v == "ok" for v in parts) else "degraded"
    return checks


def healthz(request):
    checks = health_report()
    return JsonResponse(checks, status=200 if checks["status"] == "ok" else 503)


def healthz_live(request):
    database = _database()
    return JsonResponse(
        {"database": database, "status": "ok" if database == "ok" else "error"},
        status=200 if database == "ok" else 503,
    )
