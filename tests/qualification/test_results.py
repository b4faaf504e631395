"""Spec sections 4-5 on computed results: GV over all depths, legs, caps,
qualified legs, paid-as; and section 7: the task's cost does not grow with depth."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from orders.services import order_mark_paid
from qualification.models import PartnerPeriodStats
from qualification.selectors import partner_legs, partner_report_card, partner_stats
from qualification.services import period_for, period_recompute, plan_load, volume_apply_pending
from tests.factories import PartnerFactory

from .conftest import D, berlin, line_chain, make_order, results

pytestmark = pytest.mark.django_db

OCT = berlin(2026, 10, 10, 12, 0)


def rank(partner, period) -> str:
    return partner_stats(partner=partner, period=period).paid_as_name


def test_small_team_example_gives_the_documented_results(example_plan, committed):
    """examples/small-team.json through the services (the import commands have their own test)."""
    from datetime import UTC, datetime

    from orders.services import order_refund

    p = {}
    for slug, sponsor in [
        ("anna", None),
        ("ben", "anna"),
        ("clara", "anna"),
        ("dora", "ben"),
        ("emil", "ben"),
        ("finn", "clara"),
    ]:
        p[slug] = PartnerFactory(slug=slug, sponsor=p.get(sponsor))
    orders = [
        ("anna", 160, True),
        ("ben", 120, False),
        ("dora", 300, False),
        ("dora", 200, False),
        ("emil", 400, False),
        ("emil", 50, False),
        ("clara", 100, True),
        ("finn", 300, False),
        ("finn", 300, False),
        ("finn", 300, False),
        (None, 75, False),
    ]
    with committed():
        for slug, qv, own in orders:
            order_mark_paid(order=make_order(p.get(slug), qv, own=own), paid_at=OCT)
        refunded = make_order(p["emil"], 80)
        order_mark_paid(order=refunded, paid_at=OCT)
        order_refund(order=refunded, refunded_at=berlin(2026, 10, 20, 10))
        order_mark_paid(
            order=make_order(p["ben"], 100), paid_at=datetime(2026, 10, 31, 23, 30, tzinfo=UTC)
        )
    october = period_for(at=OCT)

    got = {
        slug: (s.pv, s.customer_pv, s.own_pv, s.gv, s.paid_as_name)
        for slug, s in (
            (slug, partner_stats(partner=partner, period=october)) for slug, partner in p.items()
        )
    }
    assert got == {
        "anna": (D(160), 0, D(160), D(2230), "Silver"),  # QGV 160 + min(1070, 600) + min(1000, 600)
        "ben": (D(120), D(120), 0, D(1070), "Silver"),
        "clara": (D(100), 0, D(100), D(1000), "Bronze"),  # GV 1000 but QGV 100 + 600 = 700 < 1000
        "dora": (D(500), D(500), 0, D(500), "Bronze"),
        "emil": (D(450), D(450), 0, D(450), "Bronze"),
        "finn": (D(900), D(900), 0, D(900), "Bronze"),
    }
    assert partner_stats(
        partner=p["ben"], period=period_for(at=datetime(2026, 11, 1, tzinfo=UTC))
    ).pv == D(100)
    incremental = results(october)
    period_recompute(period=october)
    assert results(october) == incremental


def test_group_volume_is_pv_plus_the_pv_of_everyone_below_at_all_depths(paid_order):
    line = line_chain(6)
    for depth, partner in enumerate(line):
        paid_order(partner, 10 * (depth + 1), at=OCT)
    october = period_for(at=OCT)

    assert partner_stats(partner=line[0], period=october).gv == D(10 + 20 + 30 + 40 + 50 + 60 + 70)
    assert partner_stats(partner=line[5], period=october).gv == D(60 + 70)
    assert partner_stats(partner=line[6], period=october).gv == D(70)


def _plan(*ranks):
    keys = (
        "level",
        "name",
        "min_pv",
        "min_gv",
        "max_leg_percent",
        "min_qualified_legs",
        "leg_rank",
    )
    return {"ranks": [dict(zip(keys, r, strict=True)) for r in ranks]}


def test_a_leg_counts_at_most_the_cap_for_a_rank(committed, paid_order):
    with committed():
        plan_load(data=_plan((1, "Leader", "0", "1000", "50", 0, None)))
    anna = PartnerFactory()
    ben, clara = PartnerFactory(sponsor=anna), PartnerFactory(sponsor=anna)
    paid_order(ben, 900, at=OCT)  # counts 500 (50 % of 1000)
    paid_order(clara, 400, at=OCT)
    october = period_for(at=OCT)
    assert rank(anna, october) == ""  # QGV 500 + 400 = 900 < 1000, though GV is 1300

    paid_order(clara, 100, at=OCT)
    assert rank(anna, october) == "Leader"  # 500 + 500 = 1000 >= 1000 (comparisons are >=)


def test_a_leg_is_qualified_by_a_ranked_partner_deep_inside_it(committed, paid_order):
    with committed():
        plan_load(
            data=_plan(
                (1, "Star", "100", "0", None, 0, None),
                (2, "Leader", "0", "100", None, 2, "Star"),
            )
        )
    anna = PartnerFactory()
    ben, clara = PartnerFactory(sponsor=anna), PartnerFactory(sponsor=anna)
    deep = PartnerFactory(sponsor=PartnerFactory(sponsor=clara))  # clara > x > deep
    paid_order(ben, 100, at=OCT)
    october = period_for(at=OCT)
    assert rank(anna, october) == ""  # one qualified leg of two

    paid_order(deep, 100, at=OCT)  # Star two levels down in Clara's leg
    assert rank(deep, october) == "Star" and rank(clara, october) == ""
    assert rank(anna, october) == "Leader"
    legs = dict((child.pk, leg) for child, leg in partner_legs(partner=anna, period=october))
    assert legs[clara.pk].subtree_max_level == 1 and legs[clara.pk].gv == D(100)


def test_two_ranked_partners_in_the_same_leg_qualify_only_one_leg(committed, paid_order):
    with committed():
        plan_load(
            data=_plan(
                (1, "Star", "100", "0", None, 0, None),
                (2, "Leader", "0", "0.01", None, 2, "Star"),
            )
        )
    anna = PartnerFactory()
    ben = PartnerFactory(sponsor=anna)
    paid_order(PartnerFactory(sponsor=ben), 100, at=OCT)
    paid_order(PartnerFactory(sponsor=ben), 100, at=OCT)

    october = period_for(at=OCT)
    assert rank(ben, october) == "Leader"  # two legs below Ben
    assert rank(anna, october) == ""  # but only one leg below Anna


def test_paid_as_is_the_highest_rank_met_even_if_a_lower_one_is_missed(committed, paid_order):
    with committed():
        plan_load(
            data=_plan(
                (1, "Seller", "200", "0", None, 0, None),  # needs PV 200
                (2, "Builder", "50", "300", None, 0, None),  # needs only PV 50 but GV 300
            )
        )
    anna = PartnerFactory()
    paid_order(anna, 60, at=OCT)
    paid_order(PartnerFactory(sponsor=anna), 250, at=OCT)

    assert rank(anna, period_for(at=OCT)) == "Builder"


def test_rank_report_card_shows_have_need_and_missing_for_the_next_rank(example_plan, paid_order):
    anna = PartnerFactory()
    paid_order(anna, 160, at=OCT)
    paid_order(PartnerFactory(sponsor=anna), 500, at=OCT)
    october = period_for(at=OCT)

    card = partner_report_card(partner=anna, period=october)

    assert card.stats.paid_as_name == "Bronze" and card.rank.name == "Silver" and card.rank_is_next
    by_key = {r.key: r for r in card.requirements}
    assert (by_key["pv"].have, by_key["pv"].met) == (D(160), True)
    assert (by_key["qgv"].have, by_key["qgv"].need, by_key["qgv"].missing) == (
        D(660),
        D(1000),
        D(340),
    )


def test_a_partner_without_volume_reads_as_zeros_and_no_rank(example_plan):
    anna = PartnerFactory()
    stats = partner_stats(partner=anna, period=period_for(at=OCT))
    assert (stats.pk, stats.pv, stats.gv, stats.paid_as_level, stats.paid_as_name) == (
        None,
        0,
        0,
        0,
        "",
    )


def _apply_queries(partner, period) -> int:
    order = make_order(partner, 10)
    order_mark_paid(order=order, paid_at=OCT)
    with CaptureQueriesContext(connection) as ctx:
        assert volume_apply_pending(period=period) == 1
    return len(ctx.captured_queries)


def test_the_volume_task_needs_the_same_queries_at_depth_10_and_depth_1000(example_plan):
    october = period_for(at=OCT)
    shallow = line_chain(10)
    deep = line_chain(1000)
    for line in (shallow, deep):  # siblings with results along the line, for the leg reads
        for partner in line[::100]:
            PartnerPeriodStats.objects.create(
                partner=PartnerFactory(sponsor=partner), period=october, pv=1, gv=1
            )

    at_10 = _apply_queries(shallow[-1], october)
    at_1000 = _apply_queries(deep[-1], october)

    assert at_10 == at_1000 <= 12
    assert (
        partner_stats(partner=deep[0], period=october).gv == D(10) + 11
    )  # 11 siblings with GV 1 each
    assert partner_stats(partner=deep[500], period=october).gv == D(10) + 6


def test_results_of_a_deep_line_equal_a_full_recompute(example_plan, paid_order):
    line = line_chain(300)
    for partner in line[::7]:
        paid_order(partner, 150, at=OCT)
    october = period_for(at=OCT)
    incremental = results(october)

    period_recompute(period=october)

    assert results(october) == incremental
    top = incremental[line[0].pk]
    assert top[3] == Decimal(150) * len(line[::7])


def test_moving_a_partner_recomputes_the_open_periods_on_commit(
    example_plan, committed, paid_order
):
    from partners.services import partner_move

    anna, bert = PartnerFactory(), PartnerFactory()
    ben = PartnerFactory(sponsor=anna)
    paid_order(PartnerFactory(sponsor=ben), 300, at=OCT)
    october = period_for(at=OCT)
    assert partner_stats(partner=anna, period=october).gv == D(300)

    with committed():
        partner_move(partner=ben, new_sponsor=bert, reason="new sponsor by agreement")

    assert partner_stats(partner=anna, period=october).gv == 0
    assert partner_stats(partner=bert, period=october).gv == D(300)


def test_a_long_queue_is_absorbed_by_one_full_recompute(example_plan):
    anna = PartnerFactory()
    ben = PartnerFactory(sponsor=anna)
    for partner, qv in [(anna, 100), (ben, 50), (ben, 70)]:
        order_mark_paid(order=make_order(partner, qv), paid_at=OCT)  # queued, no task ran
    october = period_for(at=OCT)

    assert volume_apply_pending(period=october, limit=2) == 3

    assert partner_stats(partner=anna, period=october).gv == D(220)
    assert partner_stats(partner=ben, period=october).pv == D(120)
    assert volume_apply_pending(period=october) == 0


def test_recompute_reports_progress_up_to_done(paid_order):
    paid_order(PartnerFactory(), 100, at=OCT)
    seen = []

    period_recompute(
        period=period_for(at=OCT), progress=lambda done, total: seen.append((done, total))
    )

    assert seen and seen[-1][0] == seen[-1][1] > 0
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)
