import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command

from commissions.models import Estimate, PeriodCommissionSummary, Statement, StatementLine
from demo.management.commands import seed_demo
from invoices.models import Invoice, InvoiceMail
from orders.models import Customer, Order, OrderEvent, Product, Refund
from partners.models import Partner, User
from qualification.models import PartnerPeriodStats, Period, Rank, VolumeEntry

MODELS = (
    User,
    Partner,
    Product,
    Customer,
    Order,
    OrderEvent,
    Refund,
    VolumeEntry,
    Rank,
    Period,
    PartnerPeriodStats,
    Statement,
    StatementLine,
    PeriodCommissionSummary,
    Estimate,
)


def counts():
    return {m.__name__: m.objects.count() for m in MODELS}


def seed() -> str:
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


@pytest.mark.django_db(transaction=True)
def test_seed_demo_builds_a_company_and_a_second_run_changes_nothing(client):
    # when seeded twice
    first = seed()
    after_first = counts()
    ledger = sorted(
        VolumeEntry.objects.values_list("order_event_id", "line_no", "partner_id", "qv")
    )
    stats = sorted(
        PartnerPeriodStats.objects.values_list(
            "partner_id", "period_id", "pv", "gv", "paid_as_name"
        )
    )
    statements = sorted(
        Statement.objects.values_list("partner_id", "period_id", "total", "payout", "carried_out")
    )
    estimates = sorted(Estimate.objects.values_list("partner_id", "total", "computed_at"))
    second = seed()

    # then the company is there: plan, products, partners over four levels, paid orders with refunds
    assert (
        after_first["Rank"] == 4 and after_first["Product"] == 10 and after_first["Partner"] == 30
    )
    assert set(Partner.objects.values_list("depth", flat=True)) == {0, 1, 2, 3}
    assert after_first["Order"] > 60 and after_first["Refund"] >= 1
    assert Order.objects.filter(status__in=["paid", "refunded"]).count() == after_first["Order"]
    assert PartnerPeriodStats.objects.filter(paid_as_level__gt=0).exists()
    # every paid order has its invoice, but its invented customer is owed no e-mail, so no
    # PDF was drawn (a download draws it)
    assert Invoice.objects.filter(kind="invoice").count() == after_first["Order"]
    assert not InvoiceMail.objects.exists()
    assert not Invoice.objects.exclude(pdf_sha256="").exists()
    # and nothing changed the second time
    assert counts() == after_first
    assert (
        sorted(VolumeEntry.objects.values_list("order_event_id", "line_no", "partner_id", "qv"))
        == ledger
    )
    assert (
        sorted(
            PartnerPeriodStats.objects.values_list(
                "partner_id", "period_id", "pv", "gv", "paid_as_name"
            )
        )
        == stats
    )
    assert (
        sorted(
            Statement.objects.values_list(
                "partner_id", "period_id", "total", "payout", "carried_out"
            )
        )
        == statements
    )
    assert sorted(Estimate.objects.values_list("partner_id", "total", "computed_at")) == estimates
    # the previous month is closed through the close service: statements with explained lines,
    # and this month has an estimate
    closed = Period.objects.get(status=Period.Status.CLOSED)
    assert PeriodCommissionSummary.objects.filter(period=closed).exists()
    assert Statement.objects.filter(period=closed, payout__gt=0).exists()
    assert StatementLine.objects.filter(statement__period=closed, kind="team").exists()
    assert Statement.objects.filter(period=closed, partner__slug="anna").exists()
    assert Estimate.objects.exists()
    # the printed logins work
    for output in (first, second):
        assert "admin@example.com / Admin-Demo-2026" in output
        assert "anna@example.com / Demo-Partner-2026" in output
        assert "http://127.0.0.1:8000/anna/" in output
    assert client.login(email="admin@example.com", password="Admin-Demo-2026")
    assert User.objects.get(email="admin@example.com").is_superuser
    client.logout()
    assert client.login(email="anna@example.com", password="Demo-Partner-2026")
    assert Partner.objects.get(slug="anna").user.email == "anna@example.com"
    earnings = client.get("/dashboard/earnings/", HTTP_ACCEPT_LANGUAGE="en")
    statement = client.get(f"/dashboard/earnings/{closed.label}/", HTTP_ACCEPT_LANGUAGE="en")
    assert f'href="/dashboard/earnings/{closed.label}/"' in earnings.content.decode()
    assert "Estimate for " in earnings.content.decode()
    assert statement.status_code == 200 and " sales: " in statement.content.decode()


GERMAN = {"Bronze": "Bronze", "Silver": "Silber", "Gold": "Gold", "Platinum": "Platin"}


def test_seed_plan_is_the_small_team_example_plan_with_german_rank_names():
    example = json.loads(
        (Path(__file__).resolve().parents[1] / "dataexchange" / "small-team.json").read_text(
            encoding="utf-8"
        )
    )
    german = [
        {**rank, "name": GERMAN[rank["name"]], "leg_rank": GERMAN.get(rank["leg_rank"])}
        for rank in example["plan"]["ranks"]
    ]
    assert {**example["plan"], "ranks": german} == seed_demo.PLAN
