"""Writes of the landing app: page cache invalidation, visit counting."""

import logging
import time
import uuid
from collections import Counter
from datetime import date

from django.conf import settings
from django.core.cache import caches
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from partners.models import Partner

from .models import LandingVisitDay

logger = logging.getLogger(__name__)

CACHE_PREFIX = "landing"
GLOBAL_VERSION_KEY = f"{CACHE_PREFIX}:v"


def partner_version_key(partner_id: int) -> str:
    return f"{CACHE_PREFIX}:v:{partner_id}"


def landing_cache_invalidate(*, partner_id: int | None = None) -> None:
    """Drop cached public pages: one partner's landing page (partner_id), or all
    of them and the shop (no partner_id; products or prices changed).

    The shared cache holds a version per partner and one for the catalogue; a page
    is served only while the versions it was rendered under are current. Each
    process's short local tier is emptied here, and other processes' copies expire
    within LANDING_LOCAL_SECONDS."""
    key = partner_version_key(partner_id) if partner_id is not None else GLOBAL_VERSION_KEY
    caches["default"].set(key, time.time_ns(), None)
    caches["landing_local"].clear()


# --- Visits per partner and day ----------------------------------------------
# Counted by the per-visitor request of a landing page (browsers that run the
# page's script; bots and link previews do not). With Redis: one HINCRBY into a
# hash per local day, written to the database by the beat task
# flush_landing_visits, so a worker that dies loses nothing. Without Redis (the
# embedded mode), or while Redis is unreachable: straight into the database.

REDIS_VISITS_PREFIX = "mlm:landing:visits:"
REDIS_FLUSHING_PREFIX = "mlm:landing:visits-flushing:"


def _redis():
    """The raw Redis connection behind the default cache, or None without Redis."""
    if not settings.REDIS_URL:
        return None
    from django_redis import get_redis_connection  # noqa: PLC0415 - only with Redis

    return get_redis_connection("default")


def _visit_day_add(partner_id: int, day: date, n: int) -> None:
    """visits += n for (partner, day), creating the row: one UPDATE when it exists."""
    if LandingVisitDay.objects.filter(partner_id=partner_id, day=day).update(
        visits=F("visits") + n
    ):
        return
    try:
        with transaction.atomic():
            LandingVisitDay.objects.create(partner_id=partner_id, day=day, visits=n)
    except IntegrityError:  # created meanwhile by another process
        LandingVisitDay.objects.filter(partner_id=partner_id, day=day).update(
            visits=F("visits") + n
        )


def _visits_add(counts: dict[tuple[int, date], int]) -> int:
    """Add counts to the database, in one transaction; returns how many were added
    (visits of partners deleted meanwhile are dropped)."""
    existing = set(
        Partner.objects.filter(pk__in={pid for pid, _day in counts}).values_list("pk", flat=True)
    )
    written = 0
    with transaction.atomic():
        for (partner_id, day), n in sorted(counts.items()):
            if partner_id in existing and n > 0:
                _visit_day_add(partner_id, day, n)
                written += n
    return written


def landing_visit_record(*, partner_id: int, day: date | None = None) -> None:
    """Count one visit of a partner's landing page today (local time)."""
    day = day or timezone.localdate()
    redis = _redis()
    if redis is not None:
        try:
            redis.hincrby(f"{REDIS_VISITS_PREFIX}{day.isoformat()}", str(partner_id), 1)
            return
        except Exception:  # noqa: BLE001 - Redis gone: count in the database instead
            logger.warning("Redis unreachable: visit counted in the database", exc_info=True)
    _visit_day_add(partner_id, day, 1)


def landing_visits_flush() -> int:
    """Write the visits counted in Redis to the database; returns how many.

    Each day's hash is first renamed to a name of its own (new visits go to a new
    hash meanwhile), then added to the database and deleted. A flush that died
    before deleting leaves its renamed hash, which the next run picks up."""
    redis = _redis()
    if redis is None:
        return 0
    for key in list(redis.scan_iter(match=f"{REDIS_VISITS_PREFIX}*", count=100)):
        day = key.decode().removeprefix(REDIS_VISITS_PREFIX)
        try:
            redis.rename(key, f"{REDIS_FLUSHING_PREFIX}{day}:{uuid.uuid4().hex}")
        except Exception:  # noqa: BLE001
            logger.info("%s was renamed by a concurrent flush", key)
    written = 0
    for key in list(redis.scan_iter(match=f"{REDIS_FLUSHING_PREFIX}*", count=100)):
        day_text = key.decode().removeprefix(REDIS_FLUSHING_PREFIX).split(":", 1)[0]
        counts: Counter = Counter()
        day = date.fromisoformat(day_text)
        for partner_id, n in redis.hgetall(key).items():
            counts[(int(partner_id), day)] += int(n)
        written += _visits_add(dict(counts))
        redis.delete(key)
    return written
