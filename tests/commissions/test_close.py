"""Closing a period computes and freezes the statements (commissions.md section 3)."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from commissions.models import PeriodCommissionSummary, Statement, StatementLine
from commissions.selectors import statement_customer_orders
from orders.services import order_reattribute
from qualification.models import Period, Rank
from qualification.services import period_close, period_recompute
from tests.commissions.conftest import D, berlin
from tests.factories import PartnerFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


@pytest.fixture
def team(plan):
    anna = PartnerFactory(slug="anna")
    ben = PartnerFactory(slug="ben", sponsor=anna)
    cleo = PartnerFactory(slug="cleo", sponsor=ben)
    return anna, ben, cleo


def close(label):
    period = Period.objects.get(start=f"{label}-01")
    period_recompute(period=period)
    return period_close(period=period)


def test_close_writes_statements_lines_summary_and_the_plan_in_force(team, sell):
    anna, ben, cleo = team
    sell(anna, 100, "100.00", berlin(2026, 9, 5))
    sell(ben, 150, "150.00", berlin(2026, 9, 5))
    sell(cleo, 200, "200.00", berlin(2026, 9, 5))

    period = close("2026-09")

    statements = {
        s.partner.slug: s for s in Statement.objects.filter(period=period).select_related("partner")
    }
    # anna: Silver (GV 450), customer 20 % of 100; team gen 1 ben 6 % of 150 = 9, gen 2 cleo 4 % of 200 = 8;
    # bonus 100 (first Silver). ben: Silver too (GV 350), 20 % of 150 = 30, team 6 % of 200 = 12, bonus 100.
    # cleo: Bronze, 15 % of 200 = 30.
    assert statements["anna"].customer_commission == D("20.00")
    assert statements["anna"].team_commission == D("17.00")
    assert statements["anna"].advancement_bonus == D("100.00")
    assert statements["anna"].total == statements["anna"].payout == D("137.00")
    assert (statements["ben"].customer_commission, statements["ben"].team_commission) == (
        D("30.00"),
        D("12.00"),
    )
    assert (
        statements["cleo"].total == D("30.00") and statements["cleo"].paid_as_rank_name == "Bronze"
    )
    lines = StatementLine.objects.filter(statement=statements["anna"])
    team_lines = sorted(
        (line.source_partner.slug, line.generation, line.cv, line.percent, line.amount)
        for line in lines.filter(kind="team")
    )
    assert team_lines == [
        ("ben", 1, D("150.00"), D("6"), D("9")),
        ("cleo", 2, D("200.00"), D("4"), D("8")),
    ]
    [customer] = statement_customer_orders(statement=statements["anna"])
    assert (customer["cv"], customer["percent"], customer["amount"]) == (
        D("100.00"),
        D("20.00"),
        D("20"),
    )
    assert not lines.filter(kind="customer").exists()  # read from the frozen ledger instead
    assert lines.get(kind="bonus").rank_name == "Silver"
    summary = PeriodCommissionSummary.objects.get(period=period)
    assert summary.cv_total == D("450.00") and summary.cap_factor is None
    assert summary.total == summary.payout_total + summary.carried_total == D("309.00")
    period.refresh_from_db()
    assert [r["name"] for r in period.plan["ranks"]] == ["Bronze", "Silver"]


def test_closing_out_of_calendar_order_is_refused(team, sell):
    anna, ben, cleo = team
    sell(anna, 100, "100.00", berlin(2026, 9, 5))
    sell(anna, 100, "100.00", berlin(2026, 10, 5))
    october = Period.objects.get(start="2026-10-01")

    with pytest.raises(ValidationError) as info:
        period_close(period=october)

    assert "2026-09" in info.value.messages[0] and "calendar order" in info.value.messages[0]
    october.refresh_from_db()
    assert october.is_open and not Statement.objects.exists()


def test_closed_statements_never_change_after_plan_changes_and_reattributions(
    team, sell, committed, plan
):
    anna, ben, cleo = team
    order = sell(cleo, 200, "200.00", berlin(2026, 9, 5))
    sell(anna, 100, "100.00", berlin(2026, 9, 5))
    sell(ben, 100, "100.00", berlin(2026, 9, 5))
    september = close("2026-09")
    before = list(Statement.objects.filter(period=september).order_by("pk").values())
    lines_before = list(
        StatementLine.objects.filter(statement__period=september).order_by("pk").values()
    )

    with committed():
        Rank.objects.filter(name="Bronze").update(customer_percent=D(30), team_percents=["9"])
        order_reattribute(order=order, partner=anna, changed_by=None, reason="Kunde gehört Anna")

    assert list(Statement.objects.filter(period=september).order_by("pk").values()) == before
    assert (
        list(StatementLine.objects.filter(statement__period=september).order_by("pk").values())
        == lines_before
    )
    september.refresh_from_db()
    assert september.plan["ranks"][0]["name"] == "Bronze"


def test_a_carried_balance_moves_into_the_next_closed_period(team, sell, plan):
    anna, ben, cleo = team
    sell(cleo, 100, "100.00", berlin(2026, 9, 5))  # cleo Bronze: 15.00 < 25.00, carried
    sell(cleo, 100, "100.00", berlin(2026, 10, 5))
    close("2026-09")
    october = close("2026-10")

    statement = Statement.objects.get(period=october, partner=cleo)
    assert (statement.carried_in, statement.total, statement.payout, statement.carried_out) == (
        D("15.00"),
        D("15.00"),
        D("30.00"),
        D("0.00"),
    )


def test_the_advancement_bonus_is_paid_once_in_a_lifetime(team, sell):
    anna, ben, cleo = team
    for month in (9, 10):
        sell(anna, 100, "0", berlin(2026, month, 5))
        sell(ben, 300, "0", berlin(2026, month, 5))
    close("2026-09")
    october = close("2026-10")

    assert Statement.objects.filter(partner=anna, advancement_bonus=D(100)).count() == 1
    assert not Statement.objects.filter(period=october, partner=anna).exists()


def test_a_period_without_any_figures_closes_with_an_empty_summary(team, sell):
    anna, _ben, _cleo = team
    sell(anna, 10, "0", berlin(2026, 9, 5))

    period = close("2026-09")

    assert not Statement.objects.filter(period=period).exists()
    assert PeriodCommissionSummary.objects.get(period=period).total == Decimal("0.00")
