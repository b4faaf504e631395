"""The subscription calendar: anchor day kept across short months, dates in
Europe/Berlin whatever the clock change does."""

import calendar
import zoneinfo
from datetime import date, datetime

import pytest

from subscriptions.dates import add_months, company_today, cycle_dates_between, next_cycle_date

BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")


def test_31_january_plus_a_month_is_end_of_february_then_31_march_again():
    dates = [date(2026, 1, 31)]
    for _ in range(4):
        dates.append(next_cycle_date(dates[-1], interval=1, anchor_day=31))
    assert dates == [
        date(2026, 1, 31),
        date(2026, 2, 28),
        date(2026, 3, 31),
        date(2026, 4, 30),
        date(2026, 5, 31),
    ]


def test_leap_year_february_gets_the_29th():
    assert next_cycle_date(date(2028, 1, 31), interval=1, anchor_day=31) == date(2028, 2, 29)
    assert next_cycle_date(date(2027, 12, 30), interval=2, anchor_day=30) == date(2028, 2, 29)


def test_year_end_rolls_over():
    assert next_cycle_date(date(2026, 12, 15), interval=1, anchor_day=15) == date(2027, 1, 15)
    assert next_cycle_date(date(2026, 11, 30), interval=3, anchor_day=30) == date(2027, 2, 28)


@pytest.mark.parametrize("anchor", range(1, 32))
@pytest.mark.parametrize("interval", [1, 2, 3])
def test_every_anchor_day_and_interval_over_four_years(anchor, interval):
    """Exhaustive: each date is `interval` months after the last, on the anchor
    day or the month's last day where it does not exist, and never drifts."""
    current = date(2026, 1, min(anchor, 31))
    for _ in range(48 // interval):
        following = next_cycle_date(current, interval=interval, anchor_day=anchor)
        months = (following.year - current.year) * 12 + following.month - current.month
        assert months == interval
        last = calendar.monthrange(following.year, following.month)[1]
        assert following.day == min(anchor, last)
        current = following


def test_interval_other_than_1_2_3_is_refused():
    with pytest.raises(ValueError):
        next_cycle_date(date(2026, 1, 1), interval=4, anchor_day=1)


def test_add_months_backwards_keeps_the_anchor():
    assert add_months(date(2026, 3, 31), -1) == date(2026, 2, 28)


def test_cycle_dates_between_lists_the_dates_in_the_window():
    assert cycle_dates_between(
        date(2026, 1, 31), interval=1, anchor_day=31, start=date(2026, 2, 1), end=date(2026, 4, 30)
    ) == [date(2026, 2, 28), date(2026, 3, 31), date(2026, 4, 30)]


@pytest.mark.parametrize(
    "local, expected",
    [
        # 29 March 2026: clocks go forward at 02:00; 25 October 2026: back at 03:00.
        (datetime(2026, 3, 29, 0, 30, tzinfo=BERLIN), date(2026, 3, 29)),
        (datetime(2026, 3, 29, 3, 30, tzinfo=BERLIN), date(2026, 3, 29)),
        (datetime(2026, 10, 25, 0, 30, tzinfo=BERLIN), date(2026, 10, 25)),
        (datetime(2026, 10, 25, 2, 30, tzinfo=BERLIN, fold=1), date(2026, 10, 25)),
        (datetime(2026, 10, 24, 23, 59, tzinfo=BERLIN), date(2026, 10, 24)),
    ],
)
def test_a_run_at_night_on_a_clock_change_day_means_that_day_in_berlin(settings, local, expected):
    """00:30 local is 22:30/23:30 UTC the day before: the run still asks for the
    Berlin date, so it neither skips nor repeats a day."""
    settings.TIME_ZONE = "Europe/Berlin"
    now_utc = local.astimezone(zoneinfo.ZoneInfo("UTC"))
    assert company_today(now_utc) == expected
