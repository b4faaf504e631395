"""Writes of the landing app: page cache invalidation, visit counting."""

import atexit
import contextlib
import threading
import time
from collections import Counter
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from partners.models import Partner

from .models import LandingVisitDay

CACHE_PREFIX = "landing"
GLOBAL_VERSION_KEY = f"{CACHE_PREFIX}:v"


def partner_version_key(partner_id: int) -> str:
    return f"{CACHE_PREFIX}:v:{partner_id}"


def landing_cache_invalidate(*, partner_id: int | None = None) -> None:
    """Drop cached public pages: one partner's landing page (partner_id), or all
    of them and the shop (no partner_id; call this when products or prices change).

    Cached pages also carry the partner's updated_at and the products' last
    change in their key, so edits are seen even where nobody calls this (and in
    other processes that use a per-process cache)."""
    key = partner_version_key(partner_id) if partner_id is not None else GLOBAL_VERSION_KEY
    cache.set(key, time.time_ns(), None)


# --- Visits per partner and day ----------------------------------------------
# Counted in memory and written as one UPDATE ... SET visits = visits + n per
# partner and day at most every LANDING_VISIT_FLUSH_SECONDS (default 5; 0 = at once), so a
# cached landing page costs no write per view. A crash loses at most that window.

_lock = threading.Lock()
_pending: Counter = Counter()
_last_flush = time.monotonic()


def _flush_seconds() -> float:
    return float(settings.LANDING_VISIT_FLUSH_SECONDS)


# (time zone, local day, its first and its last second + 1 as unix time): today's
# date without a time zone conversion on every view.
_today: tuple = (None, None, 0.0, 0.0)


def _local_today(now: float | None = None) -> date:
    global _today
    now = time.time() if now is None else now
    tz = timezone.get_current_timezone()
    cached_tz, day, start, end = _today
    if cached_tz is tz and start <= now < end:
        return day
    day = datetime.fromtimestamp(now, tz).date()
    start = datetime.combine(day, datetime.min.time(), tzinfo=tz).timestamp()
    end = datetime.combine(day + timedelta(days=1), datetime.min.time(), tzinfo=tz).timestamp()
    _today = (tz, day, start, end)
    return day


def landing_visit_record(*, partner_id: int, day: date | None = None) -> None:
    global _last_flush
    day = day or _local_today()
    with _lock:
        _pending[(partner_id, day)] += 1
        due = time.monotonic() - _last_flush >= _flush_seconds()
    if due:
        landing_visits_flush()


def landing_visits_flush() -> int:
    """Write the counted visits; returns how many were written."""
    global _last_flush
    with _lock:
        batch = dict(_pending)
        _pending.clear()
        _last_flush = time.monotonic()
    if not batch:
        return 0
    existing = set(
        Partner.objects.filter(pk__in={pid for pid, _day in batch}).values_list("pk", flat=True)
    )
    written = 0
    for (partner_id, day), n in sorted(batch.items()):
        if partner_id not in existing:
            continue
        updated = LandingVisitDay.objects.filter(partner_id=partner_id, day=day).update(
            visits=F("visits") + n
        )
        if not updated:
            try:
                with transaction.atomic():
                    LandingVisitDay.objects.create(partner_id=partner_id, day=day, visits=n)
            except IntegrityError:  # created meanwhile by another process
                LandingVisitDay.objects.filter(partner_id=partner_id, day=day).update(
                    visits=F("visits") + n
                )
        written += n
    return written


def _flush_at_exit() -> None:
    if _pending:
        with contextlib.suppress(Exception):  # the process is going away anyway
            landing_visits_flush()


atexit.register(_flush_at_exit)
