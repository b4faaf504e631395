"""Writes of the landing app: page cache invalidation, visit counting."""

import logging
import time
import uuid
from collections import Counter
from datetime import date

from django.conf import settings
from django.core.cache import caches
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from orders.models import Product
from orders.referral import CAMPAIGN_MAX, CAMPAIGN_RE
from partners.models import Partner

from .models import Campaign, FeaturedProduct, LandingVisitDay, LinkVisitDay

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
# Visits of shared links (campaign and/or product page): field "<partner>|<product>|<campaign>".
REDIS_LINKS_PREFIX = "mlm:landing:links:"
REDIS_LINKS_FLUSHING_PREFIX = "mlm:landing:links-flushing:"


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


def _link_visit_add(partner_id: int, day: date, campaign: str, product_id: int, n: int) -> None:
    key = {"partner_id": partner_id, "day": day, "campaign": campaign, "product_id": product_id}
    if LinkVisitDay.objects.filter(**key).update(visits=F("visits") + n):
        return
    try:
        with transaction.atomic():
            LinkVisitDay.objects.create(**key, visits=n)
    except IntegrityError:  # created meanwhile by another process
        LinkVisitDay.objects.filter(**key).update(visits=F("visits") + n)


def landing_link_visit_record(
    *, partner_id: int, campaign: str = "", product_id: int | None = None, day: date | None = None
) -> None:
    """Count one visit through a shared link of a partner: a campaign link, a
    product page, or both (the landing page itself is landing_visit_record's).
    Same path as the landing visits: Redis HINCRBY, flushed every minute."""
    if not campaign and not product_id:
        return
    day = day or timezone.localdate()
    product_id = product_id or 0
    redis = _redis()
    if redis is not None:
        try:
            redis.hincrby(
                f"{REDIS_LINKS_PREFIX}{day.isoformat()}", f"{partner_id}|{product_id}|{campaign}", 1
            )
            return
        except Exception:  # noqa: BLE001 - Redis gone: count in the database instead
            logger.warning("Redis unreachable: link visit counted in the database", exc_info=True)
    if Partner.objects.filter(pk=partner_id).exists():
        _link_visit_add(partner_id, day, campaign, product_id, 1)


def _link_visits_flush(redis) -> int:
    for key in list(redis.scan_iter(match=f"{REDIS_LINKS_PREFIX}*", count=100)):
        day = key.decode().removeprefix(REDIS_LINKS_PREFIX)
        try:
            redis.rename(key, f"{REDIS_LINKS_FLUSHING_PREFIX}{day}:{uuid.uuid4().hex}")
        except Exception:  # noqa: BLE001
            logger.info("%s was renamed by a concurrent flush", key)
    written = 0
    for key in list(redis.scan_iter(match=f"{REDIS_LINKS_FLUSHING_PREFIX}*", count=100)):
        day = date.fromisoformat(key.decode().removeprefix(REDIS_LINKS_FLUSHING_PREFIX)[:10])
        counts: Counter = Counter()
        for field, n in redis.hgetall(key).items():
            partner_id, product_id, campaign = field.decode().split("|", 2)
            counts[(int(partner_id), int(product_id), campaign)] += int(n)
        existing = set(
            Partner.objects.filter(pk__in={k[0] for k in counts}).values_list("pk", flat=True)
        )
        with transaction.atomic():
            for (partner_id, product_id, campaign), n in sorted(counts.items()):
                if partner_id in existing and n > 0:
                    _link_visit_add(partner_id, day, campaign, product_id, n)
                    written += n
        redis.delete(key)
    return written


def landing_visits_flush() -> int:
    """Write the visits counted in Redis to the database; returns how many
    (landing page visits; the shared links' visits are written too).

    Each day's hash is first renamed to a name of its own (new visits go to a new
    hash meanwhile), then added to the database and deleted. A flush that died
    before deleting leaves its renamed hash, which the next run picks up."""
    redis = _redis()
    if redis is None:
        return 0
    _link_visits_flush(redis)
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


# --- Campaigns and featured products (the partner's dashboard) ----------------


def campaign_name_clean(name) -> str:
    """A campaign name as stored, or a ValidationError (keyed "name") in words."""
    name = (name or "").strip().lower() if isinstance(name, str) else ""
    if not name:
        raise ValidationError({"name": _("Please give the campaign a name, e.g. insta-story-nov.")})
    if len(name) > CAMPAIGN_MAX:
        raise ValidationError(
            {
                "name": _("The name may have at most %(max)d characters (it has %(n)d).")
                % {"max": CAMPAIGN_MAX, "n": len(name)}
            }
        )
    if not CAMPAIGN_RE.fullmatch(name):
        raise ValidationError(
            {
                "name": _(
                    "Use only lowercase letters a-z, digits, hyphens and underscores, "
                    "starting and ending with a letter or digit (e.g. insta-story-nov)."
                )
            }
        )
    return name


@transaction.atomic
def campaign_create(*, partner: Partner, name: str) -> Campaign:
    """A new campaign of the partner; the same name twice is refused."""
    name = campaign_name_clean(name)
    if Campaign.objects.filter(partner=partner, name=name).exists():
        raise ValidationError(
            {"name": _("You already have a campaign “%(name)s”.") % {"name": name}}
        )
    try:
        with transaction.atomic():
            return Campaign.objects.create(partner=partner, name=name)
    except IntegrityError:  # created meanwhile (a double click)
        raise ValidationError(
            {"name": _("You already have a campaign “%(name)s”.") % {"name": name}}
        ) from None


def campaign_delete(*, partner: Partner, campaign_id: int) -> None:
    """Remove a campaign from the list; its counted visits and orders stay."""
    Campaign.objects.filter(partner=partner, pk=campaign_id).delete()


FEATURED_MAX = 12


@transaction.atomic
def featured_products_set(*, partner: Partner, product_ids: list[int]) -> list[int]:
    """The products the partner shows first on their page, in this order
    (replacing the previous choice). Unknown or inactive products are refused."""
    ids = list(dict.fromkeys(int(pid) for pid in product_ids))
    if len(ids) > FEATURED_MAX:
        raise ValidationError(
            {"products": _("Please choose at most %(n)d products.") % {"n": FEATURED_MAX}}
        )
    active = set(Product.objects.filter(pk__in=ids, is_active=True).values_list("pk", flat=True))
    if set(ids) - active:
        raise ValidationError({"products": _("Some of these products are not available.")})
    FeaturedProduct.objects.filter(partner=partner).delete()
    FeaturedProduct.objects.bulk_create(
        [FeaturedProduct(partner=partner, product_id=pid, position=i) for i, pid in enumerate(ids)]
    )
    landing_cache_invalidate(partner_id=partner.pk)
    transaction.on_commit(lambda: landing_cache_invalidate(partner_id=partner.pk))
    return ids
