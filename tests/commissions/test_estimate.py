"""The live estimate of the open period (commissions.md section 4)."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from commissions.models import Estimate, EstimateRun, Statement
from commissions.services import estimates_refresh, estimates_refresh_open
from qualification.models import Period
from qualification.services import period_close, period_recompute
from tests.commissions.conftest import D, berlin
from tests.factories import PartnerFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

FIGURES = ("customer_commission", "team_commission", "advancement_bonus", "total", "carried_in")


@pytest.fixture
def team(plan, sell):
    anna = PartnerFactory(slug="anna")
    ben = PartnerFactory(slug="ben", sponsor=anna)
    cleo = PartnerFactory(slug="cleo", sponsor=ben)
    sell(anna, 100, "100.00", berlin(2026, 9, 5))
    sell(ben, 150, "150.00", berlin(2026, 9, 5))
    sell(cleo, 200, "200.00", berlin(2026, 9, 5))
    return anna, ben, cleo


def test_the_estimate_is_what_the_close_would_pay_and_says_when_it_was_computed(team):
    september = Period.objects.get(start="2026-09-01")
    before = timezone.now()

    count = estimates_refresh(period=september)

    run = EstimateRun.objects.get(period=september)
    assert count == run.estimate_count == 3 and run.computed_at >= before
    estimates = {
        e.partner_id: tuple(getattr(e, f) for f in FIGURES)
        for e in Estimate.objects.filter(period=september)
    }
    period_recompute(period=september)
    period_close(period=september)
    statements = {
        s.partner_id: tuple(getattr(s, f) for f in FIGURES)
        for s in Statement.objects.filter(period=september)
    }
    assert estimates == statements
    # the close replaces the estimate by the statements
    assert not Estimate.objects.filter(period=september).exists()
    assert not EstimateRun.objects.filter(period=september).exists()


def test_the_estimate_follows_new_volume_on_refresh(team, sell):
    anna, ben, cleo = team
    september = Period.objects.get(start="2026-09-01")
    estimates_refresh(period=september)
    sell(cleo, 100, "100.00", berlin(2026, 9, 6))

    estimates_refresh_open()

    # cleo now has PV 300 = GV 300: Silver live, 20 % of 300.00
    assert Estimate.objects.get(period=september, partner=cleo).customer_commission == D("60.00")


def test_a_full_recompute_refreshes_the_estimate_after_commit(team, committed):
    september = Period.objects.get(start="2026-09-01")
    with committed():
        period_recompute(period=september)

    assert EstimateRun.objects.filter(period=september).exists()
    assert Estimate.objects.filter(period=september).count() == 3


def test_a_closed_period_gets_no_estimate(team):
    september = Period.objects.get(start="2026-09-01")
    period_recompute(period=september)
    period_close(period=september)

    assert estimates_refresh(period=september) == 0
    assert not Estimate.objects.filter(period=september).exists()


def test_celery_beat_refreshes_the_estimates_well_within_five_minutes():
    entry = settings.CELERY_BEAT_SCHEDULE["refresh-commission-estimates"]
    assert entry["task"] == "commissions.tasks.refresh_commission_estimates"
    assert timedelta(seconds=entry["schedule"]) <= timedelta(minutes=3)
