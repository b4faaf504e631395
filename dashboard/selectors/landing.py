"""Visits of the partner's landing page: counted visits and orders by day,
and the conversion over the days with counted visits."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Count
from django.db.models.functions import TruncDate

from landing.models import LandingVisitDay
from orders.models import Order
from partners.models import Partner

from .display import HUNDRED
from .periods import _company_today


@dataclass
class VisitDay:
    day: dt.date
    visits: int
    orders: int

    @property
    def conversion(self) -> Decimal | None:
        if not self.visits:
            return None
        return (Decimal(self.orders) / Decimal(self.visits) * HUNDRED).quantize(Decimal("0.1"))


@dataclass
class LandingStats:
    days: list[VisitDay]
    visits: int
    orders: int

    @property
    def conversion(self) -> Decimal | None:
        """Orders per visit over the days on which visits were counted: an order
        of a day without counted visits (before counting began, or a visitor
        whose browser did not run the counting script) would push the rate up
        with nothing to divide by."""
        counted = [day for day in self.days if day.visits]
        visits = sum(day.visits for day in counted)
        if not visits:
            return None
        orders = sum(day.orders for day in counted)
        return (Decimal(orders) / Decimal(visits) * HUNDRED).quantize(Decimal("0.1"))


def landing_stats(
    *, partner: Partner, days: int = 30, today: dt.date | None = None
) -> LandingStats:
    """Visits and orders per day of the last `days` days (two queries).

    Orders are counted the way visits are: those placed through the partner's
    page (the checkout saw it as the referral) and attributed to the partner,
    not their own orders (their own visits are not counted either), not
    cancelled, by the day they were placed."""
    today = today or _company_today()
    first = today - dt.timedelta(days=days - 1)
    visits = dict(
        LandingVisitDay.objects.filter(partner=partner, day__gte=first, day__lte=today).values_list(
            "day", "visits"
        )
    )
    tz = ZoneInfo(settings.TIME_ZONE)
    start = dt.datetime.combine(first, dt.time.min, tzinfo=tz)
    end = dt.datetime.combine(today + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    order_counts = dict(
        Order.objects.filter(
            attributed_partner=partner,
            referral_slug=partner.slug,
            placed_at__gte=start,
            placed_at__lt=end,
        )
        .exclude(status=Order.Status.CANCELLED)
        .exclude(attribution=Order.Attribution.SELF)
        .annotate(day=TruncDate("placed_at", tzinfo=tz))
        .values("day")
        .annotate(n=Count("pk"))
        .values_list("day", "n")
    )
    rows = []
    for offset in range(days):
        day = first + dt.timedelta(days=offset)
        rows.append(VisitDay(day=day, visits=visits.get(day, 0), orders=order_counts.get(day, 0)))
    return LandingStats(
        days=rows, visits=sum(r.visits for r in rows), orders=sum(r.orders for r in rows)
    )
