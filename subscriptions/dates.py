"""The subscription calendar as pure functions on dates.

A subscription keeps the day of month of its first date (the anchor): 31 January
every month gives 28/29 February, then 31 March again. Dates are calendar dates
in the company's time zone (Europe/Berlin), so a run at 00:30 on the night the
clocks change asks for the same date as any other run that day.
"""

import calendar
from datetime import date, datetime

from django.utils import timezone

INTERVALS = (1, 2, 3)


def add_months(start: date, months: int, *, anchor_day: int | None = None) -> date:
    """`start` plus `months` calendar months on the anchor day (default: start's
    day), or the month's last day where the anchor day does not exist."""
    anchor_day = anchor_day or start.day
    index = start.year * 12 + (start.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(anchor_day, calendar.monthrange(year, month)[1]))


def next_cycle_date(current: date, *, interval: int, anchor_day: int) -> date:
    """The cycle after `current` for a subscription every `interval` months."""
    if interval not in INTERVALS:
        raise ValueError(f"interval must be one of {INTERVALS}, not {interval}")
    return add_months(current, interval, anchor_day=anchor_day)


def cycle_dates_between(
    first: date, *, interval: int, anchor_day: int, start: date, end: date
) -> list[date]:
    """Cycle dates d with start <= d <= end on the schedule through `first`."""
    dates = []
    current = first
    while current < start:
        current = next_cycle_date(current, interval=interval, anchor_day=anchor_day)
    while current <= end:
        dates.append(current)
        current = next_cycle_date(current, interval=interval, anchor_day=anchor_day)
    return dates


def company_today(now: datetime | None = None) -> date:
    """Today's date in the company's time zone (what a daily run means by "today")."""
    return timezone.localdate(now or timezone.now())
