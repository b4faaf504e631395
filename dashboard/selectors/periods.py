"""The period as the partner lives it: today in the company's time zone and
the days left in the month."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone

from qualification.models import Period
from qualification.periods import next_month


def _company_today(at: dt.datetime | None = None) -> dt.date:
    at = at or timezone.now()
    return timezone.localtime(at, ZoneInfo(settings.TIME_ZONE)).date()


def period_days_left(*, period: Period, today: dt.date | None = None) -> int:
    """Days left in the period, today included; 0 once it is over."""
    today = today or _company_today()
    end = next_month(period.start)
    if today < period.start:
        return (end - period.start).days
    return max((end - today).days, 0)
