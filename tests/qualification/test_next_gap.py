"""Every results row carries what its partner misses for the next rank
(`next_gap`, the order of the close-to-a-rank list, read from an index): the
live task and the full recompute write it with the row, a plan change rewrites
it, and the list orders members without a row (nothing missing but the lowest
rank's volume) among the others."""

import pytest

from qualification.models import PartnerPeriodStats, Rank
from qualification.selectors import plan_rules, team_nearest_ranks
from qualification.services import period_current_open, period_recompute, rank_save
from tests.factories import PartnerFactory

from .conftest import D

pytestmark = pytest.mark.django_db


def gaps(period) -> dict[int, object]:
    return dict(
        PartnerPeriodStats.objects.filter(period=period).values_list("partner_id", "next_gap")
    )


def test_the_live_task_and_the_recompute_store_the_gap_to_the_next_rank(
    example_plan, paid_order, committed
):
    anna = PartnerFactory()
    ben = PartnerFactory(sponsor=anna)
    period = period_current_open()

    paid_order(ben, 60)
    # Ben misses 40 PV for Bronze; Anna (PV 0, GV 60) misses 100 PV for Bronze
    assert gaps(period) == {ben.pk: D("40.00"), anna.pk: D("100.00")}

    paid_order(anna, 150)
    # Anna is Bronze now (PV 150, GV 210): Silver needs GV 1000, 790 more
    assert gaps(period) == {ben.pk: D("40.00"), anna.pk: D("790.00")}

    PartnerPeriodStats.objects.filter(period=period).update(next_gap=None)
    period_recompute(period=period)
    assert gaps(period) == {ben.pk: D("40.00"), anna.pk: D("790.00")}

    # a plan change: Silver asks for GV 500 -> the open period is recomputed
    silver = Rank.objects.get(name="Silver")
    silver.min_gv = D("500")
    with committed():
        rank_save(rank=silver)
    assert gaps(period) == {ben.pk: D("40.00"), anna.pk: D("290.00")}


def test_at_the_top_rank_nothing_is_missing_and_the_partner_is_not_listed(example_plan, paid_order):
    for name in ("Platinum", "Gold", "Silver"):
        Rank.objects.filter(name=name).delete()
    anna = PartnerFactory()
    ben = PartnerFactory(sponsor=anna)
    period = period_current_open()

    paid_order(ben, 120)  # Bronze, the top rank of this plan

    assert gaps(period)[ben.pk] is None
    rows, more = team_nearest_ranks(partner=anna, period=period, plan_desc=plan_rules())
    assert [m.pk for m in rows] == [] and not more


def test_members_without_results_come_in_at_the_lowest_ranks_volume_by_id(example_plan, paid_order):
    anna = PartnerFactory()
    near = PartnerFactory(sponsor=anna)  # 40 PV missing for Bronze
    idle_1 = PartnerFactory(sponsor=anna)  # no row: 100 PV missing for Bronze
    bronze = PartnerFactory(sponsor=anna)  # Bronze, 880 GV missing for Silver
    idle_2 = PartnerFactory(sponsor=anna)
    period = period_current_open()
    paid_order(near, 60)
    paid_order(bronze, 120)

    rows, more = team_nearest_ranks(partner=anna, period=period, plan_desc=plan_rules())

    assert [m.pk for m in rows] == [near.pk, idle_1.pk, idle_2.pk, bronze.pk] and not more
    assert [m.missing for m in rows] == [D("40"), D("100"), D("100"), D("880")]
    # paging cuts the merged order at the same places
    first, more = team_nearest_ranks(
        partner=anna, period=period, plan_desc=plan_rules(), offset=0, limit=2
    )
    second, last = team_nearest_ranks(
        partner=anna, period=period, plan_desc=plan_rules(), offset=2, limit=2
    )
    assert [m.pk for m in first + second] == [m.pk for m in rows] and more and not last
