"""Closed-period statements written straight into the tables, so the dashboard,
API and admin tests do not depend on the engine. anna > ben > dora; in October
2026 anna earns 12,00 € from an order and 12,00 € from dora (generation 1: ben
is skipped, below 50 PV, which a line of her statement explains) and carries
24,00 € (below the minimum payout of 25,00 €); ben earns 1,00 € from an order."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone

from commissions.models import (
    Estimate,
    EstimateRun,
    PeriodCommissionSummary,
    Statement,
    StatementLine,
)
from partners.models import Partner
from qualification.models import Period
from tests.factories import CustomerFactory, OrderFactory, PartnerFactory

D = Decimal
PLAN = {
    "ranks": [],
    "commissions": {
        "base_customer_percent": "5",
        "active_min_pv": "50",
        "cap_percent": "40",
        "min_payout": "25.00",
    },
}


def closed_period(start: dt.date, *, cap_factor=None, cv="1000.00") -> Period:
    period, _ = Period.objects.update_or_create(
        start=start,
        defaults={"status": Period.Status.CLOSED, "closed_at": timezone.now(), "plan": PLAN},
    )
    PeriodCommissionSummary.objects.update_or_create(
        period=period,
        defaults={
            "cv_total": D(cv),
            "customer_commission": D("100.00"),
            "team_commission": D("50.00"),
            "advancement_bonus": D("0.00"),
            "total": D("150.00"),
            "cap_factor": None if cap_factor is None else D(cap_factor),
            "payout_total": D("120.00"),
            "carried_total": D("30.00"),
            "statement_count": 2,
            "computed_at": timezone.now(),
        },
    )
    return period


def statement_create(partner: Partner, period: Period, **figures) -> Statement:
    values = {
        "paid_as_rank_name": "Silver",
        "paid_as_level": 2,
        "active_qualified": True,
        "pv": D("100.00"),
        "cv": D("300.00"),
        "customer_cv": D("300.00"),
        "own_cv": D("0.00"),
        "customer_commission": D("0.00"),
        "team_commission": D("0.00"),
        "advancement_bonus": D("0.00"),
        "total": D("0.00"),
        "carried_in": D("0.00"),
        "payout": D("0.00"),
        "carried_out": D("0.00"),
    }
    for key, value in figures.items():
        values[key] = D(value) if isinstance(value, str) and key != "paid_as_rank_name" else value
    return Statement.objects.create(partner=partner, period=period, **values)


def line_create(statement: Statement, kind: str, **values) -> StatementLine:
    for key in ("cv", "percent", "amount", "factor"):
        if isinstance(values.get(key), str):
            values[key] = D(values[key])
    return StatementLine.objects.create(statement=statement, kind=kind, **values)


@dataclass
class Earnings:
    anna: Partner
    ben: Partner
    dora: Partner
    period: Period
    statement: Statement
    ben_statement: Statement
    order_number: str


def earnings_create() -> Earnings:
    anna = PartnerFactory(slug="anna", first_name="Anna", last_name="Albers")
    ben = PartnerFactory(slug="ben", first_name="Ben", last_name="Brandt", sponsor=anna)
    dora = PartnerFactory(slug="dora", first_name="Dora", last_name="Dietz", sponsor=ben)
    period = closed_period(dt.date(2026, 10, 1))
    order = OrderFactory(customer=CustomerFactory(), attributed_partner=anna)
    statement = statement_create(
        anna,
        period,
        customer_commission="12.00",
        team_commission="12.00",
        total="24.00",
        carried_out="24.00",
    )
    line_create(statement, "customer", order=order, cv="300.00", percent="4", amount="12.00")
    line_create(
        statement, "team", source_partner=dora, generation=1, cv="300.00", percent="4", amount="12"
    )
    line_create(
        statement,
        "skipped",
        skipped_partner=ben,
        source_partner=dora,
        generation=1,
        cv="300.00",
        reason="below_min_pv",
    )
    ben_statement = statement_create(
        ben,
        period,
        paid_as_rank_name="",
        paid_as_level=0,
        active_qualified=False,
        pv="20.00",
        cv="20.00",
        customer_cv="20.00",
        customer_commission="1.00",
        total="1.00",
        carried_out="1.00",
    )
    ben_order = OrderFactory(customer=CustomerFactory(), attributed_partner=ben)
    line_create(ben_statement, "customer", order=ben_order, cv="20.00", percent="5", amount="1.00")
    return Earnings(anna, ben, dora, period, statement, ben_statement, order.number)


def estimate_create(partner: Partner, period: Period, *, at: dt.datetime, **figures) -> Estimate:
    values = {
        "customer_commission": D("5.00"),
        "team_commission": D("7.50"),
        "advancement_bonus": D("0.00"),
        "total": D("12.50"),
    }
    values.update({k: D(v) for k, v in figures.items()})
    EstimateRun.objects.update_or_create(period=period, defaults={"computed_at": at})
    return Estimate.objects.create(partner=partner, period=period, computed_at=at, **values)
