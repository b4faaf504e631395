"""The withdrawal period as pure functions (one owner of the rule).

§355 Abs. 2, §356 Abs. 2 BGB: 14 days from the day the customer received the
goods (for a subscription: the first delivery). We know when an order was
shipped, not when it arrived, so we assume it arrives WITHDRAWAL_DELIVERY_DAYS
(default 3) days after shipping; that errs in the customer's favour. The period
ends at midnight (company time) of its last day; a last day on a Saturday or
Sunday moves to the Monday (§193 BGB; public holidays are not looked up, see
docs/withdrawal-and-returns.md). While an order has not been shipped, the
period has not begun: the customer may withdraw at any time."""

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


def last_day(*, shipped_on: date) -> date:
    """The last day a customer may withdraw, for goods shipped on `shipped_on`."""
    end = shipped_on + timedelta(days=delivery_days() + PERIOD_DAYS)
    if end.weekday() >= 5:  # Saturday, Sunday -> Monday
        end += timedelta(days=7 - end.weekday())
    return end


def period_ends_at(*, shipped_at: datetime | None) -> datetime | None:
    """The moment the period ends (midnight after its last day, company time);
    None while nothing was shipped (the period has not started)."""
    if shipped_at is None:
        return None
    tz = company_tz()
    end = last_day(shipped_on=timezone.localtime(shipped_at, tz).date())
    return datetime.combine(end + timedelta(days=1), time.min, tzinfo=tz)


def within_period(*, shipped_at: datetime | None, at: datetime) -> bool:
    ends = period_ends_at(shipped_at=shipped_at)
    return ends is None or at < ends


def refund_due_on(*, declared_at: datetime) -> date:
    return timezone.localtime(declared_at, company_tz()).date() + timedelta(days=REFUND_DAYS)
