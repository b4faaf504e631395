"""The withdrawal period rule (returns/period.py)."""

from datetime import date

import pytest

from returns import period

from .conftest import berlin


@pytest.mark.parametrize(
    ("shipped_on", "last_day"),
    [
        (date(2026, 10, 5), date(2026, 10, 22)),  # Monday -> Thursday (3 + 14 days)
        (date(2026, 10, 7), date(2026, 10, 26)),  # -> Saturday 24th moves to Monday 26th
        (date(2026, 10, 8), date(2026, 10, 26)),  # -> Sunday 25th moves to Monday 26th
    ],
)
def test_the_last_day_is_17_days_after_shipping_and_never_a_weekend(shipped_on, last_day, settings):
    settings.WITHDRAWAL_DELIVERY_DAYS = 3
    assert period.last_day(shipped_on=shipped_on) == last_day


def test_the_period_ends_at_midnight_berlin_time_after_the_last_day():
    ends = period.period_ends_at(shipped_at=berlin(2026, 10, 5, 23, 30))
    assert ends == berlin(2026, 10, 23, 0, 0)
    assert period.within_period(shipped_at=berlin(2026, 10, 5, 9), at=berlin(2026, 10, 22, 23, 59))
    assert not period.within_period(shipped_at=berlin(2026, 10, 5, 9), at=berlin(2026, 10, 23))


def test_nothing_shipped_means_the_period_has_not_started():
    assert period.period_ends_at(shipped_at=None) is None
    assert period.within_period(shipped_at=None, at=berlin(2030, 1, 1))
