"""The plan sandbox (commissions.md section 7): a draft plan over closed periods,
computed without changing anything stored."""

import copy
from decimal import Decimal

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError

from commissions.models import PeriodCommissionSummary
from qualification.models import Period, Rank
from qualification.selectors import plan_dump
from qualification.services import period_close, period_recompute
from sandbox.models import SandboxRun
from sandbox.services import sandbox_run_create
from tests.commissions.conftest import D, berlin
from tests.factories import PartnerFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


def close(label):
    period = Period.objects.get(start=f"{label}-01")
    period_recompute(period=period)
    return period_close(period=period)


@pytest.fixture
def history(plan, sell):
    """anna > ben > cleo with sales in September and October 2026, both closed."""
    anna = PartnerFactory(slug="anna", first_name="Anna", last_name="Alt")
    ben = PartnerFactory(slug="ben", sponsor=anna)
    cleo = PartnerFactory(slug="cleo", sponsor=ben)
    sell(anna, 100, "100.00", berlin(2026, 9, 5))
    sell(ben, 150, "150.00", berlin(2026, 9, 5))
    sell(cleo, 200, "200.00", berlin(2026, 9, 5))
    september = close("2026-09")
    sell(anna, 120, "120.00", berlin(2026, 10, 5))
    sell(ben, 60, "60.00", berlin(2026, 10, 5))
    sell(cleo, 300, "300.00", berlin(2026, 10, 5))
    october = close("2026-10")
    return {"anna": anna, "ben": ben, "cleo": cleo, "september": september, "october": october}


def run(data, periods, committed, user=None):
    with committed():
        created = sandbox_run_create(data=data, periods=periods, created_by=user)
    created.refresh_from_db()
    return created


def table_counts():
    return {
        model._meta.label: model.objects.count()
        for model in apps.get_models()
        if model is not SandboxRun and model._meta.managed
    }


def test_the_plan_that_paid_reproduces_the_stored_totals_exactly(history, committed):
    september, october = history["september"], history["october"]
    result = run(september.plan, [october, september], committed)

    assert result.status == SandboxRun.Status.DONE and result.progress == 100
    by_label = {p["label"]: p for p in result.results["periods"]}
    assert list(by_label) == ["2026-09", "2026-10"]
    for period in (september, october):
        draft, paid = by_label[period.label]["draft"], by_label[period.label]["paid"]
        summary = PeriodCommissionSummary.objects.get(period=period)
        assert paid["total"] == str(summary.total)
        for key in (
            "cv_total",
            "customer",
            "team",
            "bonus",
            "total",
            "payout_total",
            "carried",
            "cap_factor",
            "payout_percent_of_cv",
            "statements",
            "ranks",
        ):
            assert draft[key] == paid[key], (period.label, key)
    # September's bonuses are not paid again in October (chained like the close does).
    assert by_label["2026-10"]["draft"]["bonus"] == by_label["2026-10"]["paid"]["bonus"]
    assert result.results["gainers"] == [] and result.results["losers"] == []


def test_a_draft_with_higher_percents_shows_the_gain(history, committed):
    september = history["september"]
    draft = copy.deepcopy(september.plan)
    for rank in draft["ranks"]:
        rank["customer_percent"] = str(Decimal(rank["customer_percent"]) + 10)

    result = run(draft, [september], committed)

    [figures] = result.results["periods"]
    # Customer CV 450 at 10 points more = 45.00 more customer commission.
    assert Decimal(figures["draft"]["customer"]) - Decimal(figures["paid"]["customer"]) == D(
        "45.00"
    )
    assert Decimal(figures["draft"]["payout_percent_of_cv"]) > Decimal(
        figures["paid"]["payout_percent_of_cv"]
    )
    gainers = {g["partner_id"]: g for g in result.results["gainers"]}
    anna = gainers[history["anna"].pk]
    assert anna["diff"] == "10.00" and "name" not in anna  # no personal data kept in the run
    assert Decimal(anna["draft_total"]) - Decimal(anna["paid_total"]) == D("10.00")
    assert result.results["losers"] == []


def test_a_cap_in_the_draft_shows_its_factor_and_the_losers(history, committed):
    september = history["september"]
    draft = copy.deepcopy(september.plan)
    draft["commissions"]["cap_percent"] = "30"

    result = run(draft, [september], committed)

    [figures] = result.results["periods"]
    assert figures["paid"]["cap_factor"] is None
    assert (
        figures["draft"]["cap_factor"] is not None and Decimal(figures["draft"]["cap_factor"]) < 1
    )
    assert {row["partner_id"] for row in result.results["losers"]} <= {
        history["anna"].pk,
        history["ben"].pk,
    }
    assert result.results["losers"]


def test_a_draft_with_other_ranks_counts_partners_per_paid_as_rank(history, committed):
    september = history["september"]
    draft = copy.deepcopy(september.plan)
    for rank in draft["ranks"]:
        if rank["name"] == "Silver":
            rank["min_gv"] = "10000"

    result = run(draft, [september], committed)

    [figures] = result.results["periods"]
    assert figures["paid"]["ranks"] == {"Silver": 2, "Bronze": 1}
    assert figures["draft"]["ranks"] == {"Bronze": 3}


def test_nothing_stored_changes(history, committed):
    september, october = history["september"], history["october"]
    draft = copy.deepcopy(september.plan)
    draft["ranks"][0]["customer_percent"] = "50"
    before = table_counts()
    summaries = list(PeriodCommissionSummary.objects.order_by("pk").values())
    from commissions.models import Statement

    statements = list(Statement.objects.order_by("pk").values())
    ranks = list(Rank.objects.order_by("pk").values())
    plan_before = plan_dump()

    result = run(draft, [september, october], committed)

    assert result.status == SandboxRun.Status.DONE
    assert table_counts() == before
    assert list(PeriodCommissionSummary.objects.order_by("pk").values()) == summaries
    assert list(Statement.objects.order_by("pk").values()) == statements
    assert list(Rank.objects.order_by("pk").values()) == ranks
    assert plan_dump() == plan_before


def test_an_invalid_draft_gets_the_plan_files_messages_and_stores_nothing(history, committed):
    draft = copy.deepcopy(history["september"].plan)
    draft["ranks"][0]["customer_percent"] = "150"
    draft["ranks"][1]["leg_rank"] = "Gold"

    with pytest.raises(ValidationError) as error:
        run(draft, [history["september"]], committed)

    text = " ".join(error.value.messages)
    assert "customer_percent" in text
    assert "asks for legs with “Gold”, which is not a rank of this file" in text
    assert not SandboxRun.objects.exists()


def test_open_periods_cannot_be_run(history, committed, sell):
    sell(history["anna"], 10, "10.00", berlin(2026, 11, 5))
    november = Period.objects.get(start="2026-11-01")

    with pytest.raises(ValidationError, match="closed periods only"):
        run(history["september"].plan, [november], committed)
    with pytest.raises(ValidationError, match="at least one"):
        run(history["september"].plan, [], committed)
    assert not SandboxRun.objects.exists()


def test_the_run_reports_progress_per_period_in_its_row(history, committed, monkeypatch):
    import sandbox.services as services

    seen = []
    original = services._progress

    def record(run_id, percent, message):
        original(run_id, percent, message)
        row = SandboxRun.objects.get(pk=run_id)
        seen.append((row.status, row.progress, row.message))

    monkeypatch.setattr(services, "_progress", record)
    result = run(history["september"].plan, [history["september"], history["october"]], committed)

    assert result.status == SandboxRun.Status.DONE and result.finished_at is not None
    assert all(status == SandboxRun.Status.RUNNING for status, _p, _m in seen)
    percents = [p for _s, p, _m in seen]
    assert percents == sorted(percents) and percents[0] == 0 and percents[-1] < 100
    assert any("2026-10" in message for _s, _p, message in seen)


def test_a_run_whose_period_is_gone_fails_with_a_message(history):
    from sandbox.services import sandbox_run_execute

    stale = SandboxRun.objects.create(plan=history["september"].plan, periods=["2030-01"])

    result = sandbox_run_execute(run_id=stale.pk)

    assert result.status == SandboxRun.Status.FAILED and result.finished_at is not None
    assert "not closed" in result.message and result.results is None


def test_the_sandbox_uses_todays_genealogy(history, committed):
    """The documented assumption: a partner moved since the close counts in the
    new place (the close stores no tree)."""
    from partners.services import partner_move

    september = history["september"]
    partner_move(partner=history["cleo"], new_sponsor=history["anna"], reason="test")

    result = run(september.plan, [september], committed)

    [figures] = result.results["periods"]
    # cleo's 200 CV now reaches anna at generation 1 (6 %) instead of 2 (4 %), and ben loses 6 %.
    assert Decimal(figures["draft"]["team"]) - Decimal(figures["paid"]["team"]) == D("-8.00")
