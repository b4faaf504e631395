"""The partner's earnings over time: the newest statement's month, the
statements of the last closed periods, and the open period's estimate.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from partners.models import Partner
from qualification.models import Period

from ..models import Estimate, EstimateRun, Statement


def statement_latest_start(*, partner: Partner) -> dt.date | None:
    """The month of the partner's newest statement (closed periods only)."""
    return (
        Statement.objects.filter(partner=partner, period__status=Period.Status.CLOSED)
        .order_by("-period__start")
        .values_list("period__start", flat=True)
        .first()
    )


@dataclass
class EarningsRow:
    label: str
    start: dt.date
    paid_as_rank_name: str
    customer_commission: Decimal
    team_commission: Decimal
    advancement_bonus: Decimal
    total: Decimal
    payout: Decimal
    carried_out: Decimal


def earnings_by_period(*, partner: Partner, limit: int = 24) -> list[EarningsRow]:
    """The partner's statements of the last `limit` closed periods, newest first
    (one query; the chart and the list of statements)."""
    rows = (
        Statement.objects.filter(partner=partner, period__status=Period.Status.CLOSED)
        .order_by("-period__start")
        .values_list(
            "period__start",
            "paid_as_rank_name",
            "customer_commission",
            "team_commission",
            "advancement_bonus",
            "total",
            "payout",
            "carried_out",
        )[:limit]
    )
    return [
        EarningsRow(f"{start:%Y-%m}", start, rank, c, t, b, total, payout, carried)
        for start, rank, c, t, b, total, payout, carried in rows
    ]


@dataclass
class EstimateView:
    period: Period
    computed_at: dt.datetime | None
    customer_commission: Decimal
    team_commission: Decimal
    advancement_bonus: Decimal
    total: Decimal
    carried_in: Decimal


def estimate_for_partner(*, partner: Partner, period: Period) -> EstimateView:
    """This (open) period's estimate for the partner, with the time it was
    computed. A partner without a row in a computed estimate earns nothing so
    far (zeros, the run's time); before the first run the time is None.
    One or two queries."""
    row = Estimate.objects.filter(partner=partner, period=period).first()
    if row is not None:
        return EstimateView(
            period,
            row.computed_at,
            row.customer_commission,
            row.team_commission,
            row.advancement_bonus,
            row.total,
            row.carried_in,
        )
    run = EstimateRun.objects.filter(period=period).first()
    zero = Decimal("0.00")
    return EstimateView(
        period, run.computed_at if run is not None else None, zero, zero, zero, zero, zero
    )
