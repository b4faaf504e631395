"""Reads of the commissions app."""

from collections.abc import Iterator
from decimal import Decimal

from django.db import connection
from django.db.models import F, QuerySet
from django.db.models.functions import Collate

from partners.models import Partner
from qualification.models import Period

from .models import Estimate, EstimateRun, Statement, StatementLine

EXPORT_HEADER = (
    "external_id", "slug", "customer_commission", "team_commission", "advancement_bonus", "total",
    "carried_in", "payout", "carried_out",
)
def _two_places(value: Decimal) -> str:
    return f"{value.quantize(Decimal('0.01'))}" if value else "0.00"


def statement_export_rows(*, period: Period, chunk_size: int = 5_000) -> Iterator[list[str]]:
    """The header, then one row per statement of the period, sorted by the
    partner's slug (byte order), amounts with two places (commissions.md 8).
    Write them with partners.csvio.CsvWriter (formula-safe cells)."""
    yield list(EXPORT_HEADER)
    slug_order = Collate("partner__slug", "C") if connection.vendor == "postgresql" else F("partner__slug")
    rows = (
        Statement.objects.filter(period=period)
        .order_by(slug_order)
        .values_list(
            "partner__external_id", "partner__slug", "customer_commission", "team_commission",
            "advancement_bonus", "total", "carried_in", "payout", "carried_out",
        )
    )
    for ext, slug, *amounts in rows.iterator(chunk_size=chunk_size):
        yield [ext or "", slug, *(_two_places(a) for a in amounts)]


def partner_statements(*, partner: Partner) -> QuerySet[Statement]:
    """A partner's statements, newest period first."""
    return Statement.objects.filter(partner=partner).select_related("period").order_by("-period__start")


def statement_lines(*, statement: Statement) -> QuerySet[StatementLine]:
    return statement.lines.select_related("order", "source_partner").order_by("kind", "generation", "pk")


def statement_customer_orders(*, statement: Statement) -> list[dict]:
    """The customer commission of a statement by order: each order's net
    customer CV in the period x the statement's customer percent (exact,
    before rounding). Read from the ledger, which never changes for a closed
    period (later refunds and re-attributions book into open periods), so the
    lines are as frozen as the statement; not copied at the close (a million
    orders would double its cost)."""
    from django.db.models import Sum

    from qualification.models import VolumeEntry

    if not statement.customer_percent:
        return []
    rows = (
        VolumeEntry.objects.filter(
            period_id=statement.period_id, partner_id=statement.partner_id, kind=VolumeEntry.Kind.CUSTOMER
        )
        .values("order_id", "order__number", "order__external_id")
        .annotate(cv=Sum("cv"))
        .order_by("order_id")
    )
    percent = statement.customer_percent
    return [
        {
            "order_id": row["order_id"],
            "order_number": row["order__number"],
            "order_external_id": row["order__external_id"] or "",
            "cv": row["cv"],
            "percent": percent,
            "amount": row["cv"] * percent / 100,
        }
        for row in rows
        if row["cv"]
    ]


def partner_estimate(*, partner: Partner, period: Period) -> Estimate | None:
    return Estimate.objects.filter(partner=partner, period=period).first()


def estimate_run(*, period: Period) -> EstimateRun | None:
    return EstimateRun.objects.filter(period=period).first()
