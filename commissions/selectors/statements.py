"""Reads of a closed period's statements: the statement page with its lines
(paginated, each with its sentence), the customer orders behind the customer
commission, the rounding lines, the admin's lines and the CSV export.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import F, OuterRef, Subquery, Sum
from django.db.models.functions import Collate

from partners.models import Partner
from qualification.models import Period, VolumeEntry

from .. import wording
from ..models import Statement, StatementLine

LINES_PER_PAGE = 50


EXPORT_HEADER = (
    "external_id",
    "slug",
    "customer_commission",
    "team_commission",
    "advancement_bonus",
    "total",
    "carried_in",
    "payout",
    "carried_out",
)


def _two_places(value: Decimal) -> str:
    return f"{value.quantize(Decimal('0.01'))}" if value else "0.00"


def statement_export_rows(*, period: Period, chunk_size: int = 5_000) -> Iterator[list[str]]:
    """The header, then one row per statement of the period, sorted by the
    partner's slug (byte order), amounts with two places (commissions.md 8).
    Write them with partners.csvio.CsvWriter (formula-safe cells)."""
    yield list(EXPORT_HEADER)
    slug_order = (
        Collate("partner__slug", "C") if connection.vendor == "postgresql" else F("partner__slug")
    )
    rows = (
        Statement.objects.filter(period=period)
        .order_by(slug_order)
        .values_list(
            "partner__external_id",
            "partner__slug",
            "customer_commission",
            "team_commission",
            "advancement_bonus",
            "total",
            "carried_in",
            "payout",
            "carried_out",
        )
    )
    for ext, slug, *amounts in rows.iterator(chunk_size=chunk_size):
        yield [ext or "", slug, *(_two_places(a) for a in amounts)]


def plan_setting(period: Period, key: str) -> Decimal | None:
    """A commission setting of the plan in force when `period` closed; None when
    that plan does not say (then the sentences leave the figure out)."""
    settings = ((period.plan or {}) if period is not None else {}).get("commissions") or {}
    value = settings.get(key)
    return Decimal(str(value)) if value not in (None, "") else None


@dataclass
class LineRow:
    line: StatementLine
    sentence: str
    # Team lines: the skipped (compressed) partners between, in words, when
    # their lines are on the same page (the engine writes them right after).
    notes: list[LineRow] = field(default_factory=list)


def line_rows_grouped(rows: list[LineRow]) -> list[LineRow]:
    """Each skipped line as a note of the team line it explains (the one before
    it with the same downline partner); a skipped line whose team line is on
    the previous page stays a row of its own."""
    grouped: list[LineRow] = []
    for row in rows:
        line = row.line
        if (
            line.kind == StatementLine.Kind.SKIPPED
            and grouped
            and grouped[-1].line.kind == StatementLine.Kind.TEAM
            and grouped[-1].line.source_partner_id == line.source_partner_id
        ):
            grouped[-1].notes.append(row)
        else:
            grouped.append(row)
    return grouped


def _customer_order_rows(statement: Statement):
    """Each order's net customer CV of the statement's partner in its period
    (one grouped query; orders whose CV nets to zero left out)."""
    return (
        VolumeEntry.objects.filter(
            period_id=statement.period_id,
            partner_id=statement.partner_id,
            kind=VolumeEntry.Kind.CUSTOMER,
        )
        .values("order_id", "order__number", "order__external_id")
        .annotate(cv=Sum("cv"))
        .exclude(cv=0)
        .order_by("order_id")
    )


@dataclass
class CustomerOrderRow:
    order_number: str
    cv: Decimal
    percent: Decimal
    amount: Decimal  # exact, before rounding
    sentence: str


def statement_customer_orders_page(
    *, statement: Statement, page: int | str | None = 1, per_page: int = LINES_PER_PAGE
) -> Page:
    """One page of the statement's customer commission by order, in words
    (two queries: count and page, at any number of orders)."""
    rows = (
        _customer_order_rows(statement)
        if statement.customer_percent
        else VolumeEntry.objects.none()
    )
    orders_page = Paginator(rows, per_page).get_page(page)
    percent = statement.customer_percent
    result = []
    for row in orders_page.object_list:
        amount = row["cv"] * percent / 100
        result.append(
            CustomerOrderRow(
                order_number=row["order__number"],
                cv=row["cv"],
                percent=percent,
                amount=amount,
                sentence=wording.customer_line_sentence(
                    amount=amount, cv=row["cv"], percent=percent, order_number=row["order__number"]
                ),
            )
        )
    orders_page.object_list = result
    return orders_page


def statement_customer_orders(*, statement: Statement) -> list[dict]:
    """The customer commission of a statement by order: each order's net
    customer CV in the period x the statement's customer percent (exact,
    before rounding). Read from the ledger, which never changes for a closed
    period (later refunds and re-attributions book into open periods), so the
    lines are as frozen as the statement; not copied at the close (a million
    orders would double its cost)."""
    if not statement.customer_percent:
        return []
    rows = (
        VolumeEntry.objects.filter(
            period_id=statement.period_id,
            partner_id=statement.partner_id,
            kind=VolumeEntry.Kind.CUSTOMER,
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


def _cent(value: Decimal) -> Decimal:
    """An exact amount as a line shows it: half-up to the cent (wording.money_display)."""
    return Decimal(value or 0).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def statement_roundings(*, statement: Statement) -> tuple[Decimal, Decimal]:
    """What the lines shown, each rounded to the cent, miss of the totals, each
    rounded once from the exact sum (commissions.md section 3, step 5): (customer
    commission - its order lines, team commission - its team and cap lines).
    Usually 0,00 €; a cent or a few on a long statement. Two queries over the
    statement's orders and lines (the totals themselves are never changed)."""
    customer_shown = (
        sum(
            (
                _cent(cv * statement.customer_percent / 100)
                for cv in _customer_order_rows(statement).values_list("cv", flat=True)
            ),
            Decimal("0.00"),
        )
        if statement.customer_percent
        else Decimal("0.00")
    )
    team_shown = sum(
        (
            _cent(amount)
            for amount in StatementLine.objects.filter(
                statement=statement, kind__in=[StatementLine.Kind.TEAM, StatementLine.Kind.CAP]
            ).values_list("amount", flat=True)
        ),
        Decimal("0.00"),
    )
    return statement.customer_commission - customer_shown, statement.team_commission - team_shown


@dataclass
class StatementDetail:
    statement: Statement
    period: Period
    lines: Page  # of LineRow
    line_groups: list[LineRow]  # the page's lines, skipped ones as notes of their team line
    customer_orders: Page  # of CustomerOrderRow
    min_payout: Decimal | None
    active_min_pv: Decimal | None
    cap_factor: Decimal | None
    carry_sentence: str
    carried_in_sentence: str
    # On the last page of each list: the rounding line that makes the lines
    # shown add up to the total shown ("" when they do already).
    customer_rounding_sentence: str = ""
    team_rounding_sentence: str = ""
    # The rounding amounts themselves (the API's rounding lines); 0 on earlier pages.
    customer_rounding: Decimal = Decimal("0.00")
    team_rounding: Decimal = Decimal("0.00")


def line_sentence(
    line: StatementLine, *, active_min_pv: Decimal | None = None, owner_name: str | None = None
) -> str:
    """One statement line in words (the active language), to the partner whose
    statement it is; with `owner_name` (the admin) the sentence names that partner."""
    Kind = StatementLine.Kind
    source_name = line.source_partner.full_name if line.source_partner_id else ""
    if line.kind == Kind.CUSTOMER:
        return wording.customer_line_sentence(
            amount=line.amount,
            cv=line.cv,
            percent=line.percent,
            order_number=line.order.number if line.order_id else None,
        )
    if line.kind == Kind.TEAM:
        return wording.team_line_sentence(
            amount=line.amount,
            cv=line.cv,
            percent=line.percent,
            generation=line.generation,
            source_name=source_name,
        )
    if line.kind == Kind.SKIPPED:
        return wording.skipped_line_sentence(
            skipped_name=line.skipped_partner.full_name if line.skipped_partner_id else "",
            source_name=source_name,
            cv=line.cv,
            generation=getattr(line, "paid_generation", None),
            reason=line.reason,
            active_min_pv=active_min_pv,
            owner_name=owner_name,
        )
    if line.kind == Kind.BONUS:
        return wording.bonus_line_sentence(amount=line.amount, rank_name=line.rank_name)
    if line.kind == Kind.CAP:
        return wording.cap_line_sentence(factor=line.factor, amount=line.amount)
    return wording.money_display(line.amount)


def with_paid_generation(lines):
    """Lines annotated with `paid_generation`: the generation the statement's
    team line for the same downline partner is paid at. The team line is the one
    owner of that number; a skipped line's own `generation` is the one the
    skipped partner would have had, so the words of a skipped line read this
    (the engine writes each skipped line with the team line it explains)."""
    paying = StatementLine.objects.filter(
        statement_id=OuterRef("statement_id"),
        kind=StatementLine.Kind.TEAM,
        source_partner_id=OuterRef("source_partner_id"),
    ).values("generation")[:1]
    return lines.annotate(paid_generation=Subquery(paying))


def statement_lines(*, statement: Statement):
    """The lines of a statement with the names they mention (one query per page)."""
    return with_paid_generation(
        StatementLine.objects.filter(statement=statement)
        .select_related("source_partner", "skipped_partner", "order")
        .order_by("pk")
    )


def statement_lines_for_admin():
    """Lines with everything their sentence needs, for the admin's inline."""
    return with_paid_generation(
        StatementLine.objects.select_related(
            "statement__period", "statement__partner", "source_partner", "skipped_partner", "order"
        ).order_by("pk")
    )


def statement_detail(
    *,
    partner: Partner,
    period_start: dt.date,
    page: int | str | None = 1,
    orders_page: int | str | None = 1,
    per_page: int = LINES_PER_PAGE,
) -> StatementDetail | None:
    """The partner's statement of a closed period with one page of its lines and
    one page of its customer commission by order, in words; None when the
    partner has none for that period (or it is not closed). Five queries
    (statement, line count and page, order count and page) at any team size."""
    statement = (
        Statement.objects.select_related("period", "period__commission_summary")
        .filter(partner=partner, period__start=period_start, period__status=Period.Status.CLOSED)
        .first()
    )
    if statement is None:
        return None
    period = statement.period
    active_min_pv = plan_setting(period, "active_min_pv")
    paginator = Paginator(statement_lines(statement=statement), per_page)
    lines_page = paginator.get_page(page)
    lines_page.object_list = [
        LineRow(line=line, sentence=line_sentence(line, active_min_pv=active_min_pv))
        for line in lines_page.object_list
    ]
    min_payout = plan_setting(period, "min_payout")
    summary = getattr(period, "commission_summary", None)
    customer_orders = statement_customer_orders_page(
        statement=statement, page=orders_page, per_page=per_page
    )
    customer_rounding = team_rounding = Decimal(0)
    if not customer_orders.has_next() or not lines_page.has_next():
        customer_rounding, team_rounding = statement_roundings(statement=statement)
    return StatementDetail(
        statement=statement,
        period=statement.period,
        lines=lines_page,
        line_groups=line_rows_grouped(lines_page.object_list),
        customer_orders=customer_orders,
        min_payout=min_payout,
        active_min_pv=active_min_pv,
        cap_factor=summary.cap_factor if summary is not None else None,
        carry_sentence=wording.carry_sentence(
            carried_out=statement.carried_out, min_payout=min_payout
        ),
        carried_in_sentence=wording.carried_in_sentence(carried_in=statement.carried_in),
        customer_rounding_sentence=(
            wording.rounding_sentence(
                amount=customer_rounding, total=statement.customer_commission, kind="customer"
            )
            if customer_orders.object_list and not customer_orders.has_next()
            else ""
        ),
        team_rounding_sentence=(
            wording.rounding_sentence(
                amount=team_rounding, total=statement.team_commission, kind="team"
            )
            if lines_page.object_list and not lines_page.has_next()
            else ""
        ),
        customer_rounding=customer_rounding if not customer_orders.has_next() else Decimal(0),
        team_rounding=team_rounding if not lines_page.has_next() else Decimal(0),
    )
