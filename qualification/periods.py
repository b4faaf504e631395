"""The period calendar, pure: a period is a calendar month in the company's time
zone, labelled "YYYY-MM". The one month_start and the one period_parse of the
code base (services, selectors, importer, exports, dashboard use these)."""

import re
import zoneinfo
from datetime import date, datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import dateformat, timezone
from django.utils.translation import gettext as _

_LABEL = re.compile(r"^(\d{4})-(\d{2})$")


def company_tz() -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def month_start(at: datetime, tz: zoneinfo.ZoneInfo | None = None) -> date:
    """First day of the month containing `at`, in the company's time zone (a
    naive `at` is read as company time). Pass `tz` (company_tz()) when calling
    it a million times."""
    tz = tz or company_tz()
    if timezone.is_naive(at):
        at = timezone.make_aware(at, tz)
    local = at.astimezone(tz)
    return date(local.year, local.month, 1)


def next_month(day: date) -> date:
    """First day of the month after `day`'s."""
    return date(day.year + (day.month == 12), day.month % 12 + 1, 1)


def period_parse(label: str) -> date:
    """'2026-10' -> date(2026, 10, 1); ValidationError with a clear message otherwise."""
    match = _LABEL.match((label or "").strip())
    if not match or not 1 <= int(match.group(2)) <= 12 or int(match.group(1)) < 1900:
        raise ValidationError(
            _("“%(value)s” is not a month; write it as YYYY-MM, e.g. 2026-10.") % {"value": label}
        )
    return date(int(match.group(1)), int(match.group(2)), 1)


def period_name(value) -> str:
    """How people read a period: "November 2026" (de and en; month names in the
    active language), from a Period, its first day or its label "2026-11". The
    one formatting of a period for readers (notices, tables, chart axes,
    reports); the label stays for URLs, files and the API. Anything that is not
    a period comes back as it is."""
    start = getattr(value, "start", value)
    if isinstance(start, str):
        try:
            start = period_parse(start)
        except ValidationError:
            return start
    if not isinstance(start, date):
        return "" if start is None else str(start)
    return dateformat.format(start, "F Y")
