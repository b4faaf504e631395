"""'3 days left: 40 PV missing for Silver': in the period's last three days, to
partners whose next rank needs only a little volume (the exact least PV of the
"What's missing?" page), once per period."""

from datetime import timedelta

import pytest

from notifications import sources
from notifications.models import Notification
from qualification.periods import next_month
from tests.dashboard.conftest import period, plan, stats_set  # noqa: F401 (fixtures)
from tests.factories import PartnerFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


def texts(partner):
    return [n.text for n in Notification.objects.filter(partner=partner, kind="rank_close")]


def test_three_days_left_tells_the_least_pv_once_per_period(plan, period):  # noqa: F811
    # Silver: PV 100, GV 1000, at most 60 % (600) from one leg.
    anna = PartnerFactory(slug="anna")
    ben = PartnerFactory(slug="ben", sponsor=anna)
    stats_set(anna, period, pv="460", gv="960", level=1, name="Bronze")
    stats_set(ben, period, pv="500", gv="500", level=1, name="Bronze")
    # GV looks close (1100), but the leg counts only up to 600: 300 PV missing.
    carl = PartnerFactory(slug="carl")
    dora = PartnerFactory(slug="dora", sponsor=carl)
    stats_set(carl, period, pv="100", gv="1100", level=1, name="Bronze")
    stats_set(dora, period, pv="1000", gv="1000", level=1, name="Bronze")
    last_days = next_month(period.start) - timedelta(days=3)

    sources.rank_close(period=period, today=last_days - timedelta(days=1))
    assert not Notification.objects.exists()  # four days left: not yet

    sources.rank_close(period=period, today=last_days)
    sources.rank_close(period=period, today=last_days + timedelta(days=1))  # the next day's run

    assert texts(anna) == ["3 days left: 40 PV missing for Silver."]
    assert texts(carl) == []
    assert texts(ben) == []  # Silver needs 500 PV more of ben's own team: too far
