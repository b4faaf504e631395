"""The withdrawal period as pure functions (one owner of the rule).

§355 Abs. 2, §356 Abs. 2 BGB: 14 days from the day the customer received the
goods (for a subscription: the first delivery; for goods in several parcels:
the last one, §356 Abs. 2 Nr. 1 b). A parcel's delivery date, when the carrier
reported it (fulfilment.Shipment.delivered_on), starts the period; otherwise we
assume it arrives WITHDRAWAL_DELIVERY_DAYS (default 3) days after shipping,
which errs in the customer's favour. The period
ends at midnight (company time) of its last day; a last day on a Saturday or
Sunday moves to the Monday (§193 BGB; public holidays are not looked up, see
docs/withdrawal-and-returns.md). While an order has not been shipped, the
period has not begun: the customer may withdraw at any time."""

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone

PERIOD_DAYS = 14
REFUND_DAYS = 14  # §357 Abs. 1 BGB: refund within 14 days of the declaration


def company_tz() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def delivery_days() -> int:
    return int(getattr(settings, "WITHDRAWAL_DELIVERY_DAYS", 3))


def received_on(*, shipped_on: date, delivered_on: date | None = None) -> date:
    """When the customer had the goods: the delivery date if known, else assumed."""
    if delivered_on is not None:
        return delivered_on
    return shipped_on + timedelta(days=delivery_days())


def goods_received_on(parcels: Iterable[tuple[date, date | None]]) -> date | None:
    """The day the last of several parcels (shipped_on, delivered_on) arrived
    (known or assumed); None without parcels."""
    days = [received_on(shipped_on=s, delivered_on=d) for s, d in parcels]
    return max(days) if days else None


def last_day(*, shipped_on: date, delivered_on: date | None = None) -> date:
    """The last day a customer may withdraw, for goods shipped on `shipped_on`
    (and delivered on `delivered_on`, when known)."""
    end = received_on(shipped_on=shipped_on, delivered_on=delivered_on) + timedelta(
        days=PERIOD_DAYS
    )
    if end.weekday() >= 5:  # Saturday, Sunday -> Monday
        end += timedelta(days=7 - end.weekday())
    return end


def period_ends_at(*, shipped_at: datetime | None, received: date | None = None) -> datetime | None:
    """The moment the period ends (midnight after its last day, company time);
    None while nothing was shipped (the period has not started). `received`: the
    day the goods arrived (goods_received_on of the order's parcels), when there
    are parcels; else the arrival is assumed from `shipped_at`."""
    if shipped_at is None:
        return None
    tz = company_tz()
    if received is not None:
        end = last_day(shipped_on=received, delivered_on=received)
    else:
        end = last_day(shipped_on=timezone.localtime(shipped_at, tz).date())
    return datetime.combine(end + timedelta(days=1), time.min, tzinfo=tz)


def within_period(
    *, shipped_at: datetime | None, at: datetime, received: date | None = None
) -> bool:
    ends = period_ends_at(shipped_at=shipped_at, received=received)
    return ends is None or at < ends


def refund_due_on(*, declared_at: datetime) -> date:
    return timezone.localtime(declared_at, company_tz()).date() + timedelta(days=REFUND_DAYS)
