"""Reads of statements and estimates for the partner's dashboard, the API and the
admin. Each read costs a fixed number of queries, whatever the team size or the
number of lines: lines are paginated and come with their names in one query."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import F, OuterRef, Subquery, Sum
from django.db.models.functions import Collate

from partners.models import Partner
from qualification.models import PartnerPeriodStats, PartnerTitle, Period, VolumeEntry
from qualification.selectors import partners_with_period_stats
from qualification.whatif import NEW, OWN

from . import engine, wording
from .models import Estimate, EstimateRun, EstimateTeamVolume, Statement, StatementLine

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


# ---------------------------------------------------------------- statements


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


# ---------------------------------------------------------------- estimate


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


# ---------------------------------------------------------------- what-if


@dataclass(frozen=True)
class LegVolume:
    """A leg as the partner's team commission reads it: its head's status, PV
    and CV (cents), and the CV of the rest by generation as if the head were
    compressed (engine.TeamLeg)."""

    head_id: int
    head_status: str
    head_pv: int
    head_cv: int
    rest_cv: tuple[int, ...]


@dataclass
class PartnerCommissionInput:
    """What one partner's estimate reads in the open period: the partner's own
    figures (engine.PartnerInput without rank and team), the legs, the company
    cap factor of the last estimate run, and the net CV and QV of the orders
    of the partner and the first line (for the CV per PV of additional
    volume)."""

    plan: engine.CommissionPlan
    own: engine.PartnerInput
    legs: dict[int, LegVolume]
    cap_factor: Fraction | None
    group_cv: int
    group_qv: int


def partner_commission_input(*, partner: Partner, period: Period) -> PartnerCommissionInput:
    """Read what partner_commission_estimate needs: the partner's own figures,
    and per leg its head's status, PV and CV (live) and the CV of the rest of
    the leg by generation as the last estimate run counted it
    (EstimateTeamVolume of the head). About ten queries, each over the
    partner and the first line only, whatever the size of the team."""
    from .services import commission_plan, previous_closed_period

    plan = commission_plan()
    own_pv = (
        PartnerPeriodStats.objects.filter(partner=partner, period=period)
        .values_list("pv", flat=True)
        .first()
    )
    heads = list(
        partners_with_period_stats(Partner.objects.filter(sponsor=partner), period=period)
        .order_by("pk")
        .values_list("pk", "status", "pv")
    )
    head_ids = [pk for pk, _status, _pv in heads]
    cv_of: dict[tuple[int, str], int] = {}
    group_cv = group_qv = 0
    for pid, kind, cv, qv in (
        VolumeEntry.objects.filter(period=period, partner_id__in=[partner.pk, *head_ids])
        .order_by()
        .values("partner_id", "kind")
        .annotate(cv=Sum("cv"), qv=Sum("qv"))
        .values_list("partner_id", "kind", "cv", "qv")
    ):
        cv_of[(pid, kind)] = engine.cents(Decimal(cv))
        group_cv += engine.cents(Decimal(cv))
        group_qv += engine.cents(Decimal(qv))
    rest = {
        pid: tuple(int(c) for c in text.split(",") if c)
        for pid, text in EstimateTeamVolume.objects.filter(
            period=period, partner_id__in=head_ids
        ).values_list("partner_id", "generations")
    }
    customer, own = VolumeEntry.Kind.CUSTOMER, VolumeEntry.Kind.OWN
    legs = {
        pk: LegVolume(
            pk,
            status,
            engine.cents(Decimal(pv)),
            cv_of.get((pk, customer), 0) + cv_of.get((pk, own), 0),
            rest.get(pk, ()),
        )
        for pk, status, pv in heads
    }
    title = PartnerTitle.objects.filter(partner=partner).values_list("level", flat=True).first()
    bonus_paid = set(
        StatementLine.objects.filter(
            statement__partner=partner, kind=StatementLine.Kind.BONUS
        ).values_list("rank_name", flat=True)
    )
    previous = previous_closed_period(period)
    carried_in = (
        Statement.objects.filter(period=previous, partner=partner)
        .values_list("carried_out", flat=True)
        .first()
        if previous is not None
        else None
    )
    run = EstimateRun.objects.filter(period=period).values_list("cap_factor", flat=True).first()
    return PartnerCommissionInput(
        plan=plan,
        own=engine.PartnerInput(
            partner_id=partner.pk,
            status=partner.status,
            pv=engine.cents(own_pv) if own_pv is not None else 0,
            customer_cv=cv_of.get((partner.pk, customer), 0),
            own_cv=cv_of.get((partner.pk, own), 0),
            title_before=title or 0,
            bonus_paid=bonus_paid,
            carried_in=engine.cents(carried_in) if carried_in else 0,
        ),
        legs=legs,
        cap_factor=Fraction(run) if run is not None else None,
        group_cv=group_cv,
        group_qv=group_qv,
    )


@dataclass
class CommissionWhatIf:
    before: Decimal  # the estimate's total now (commission of the period, no carry)
    after: Decimal  # with the additional volume
    cv_per_pv: Decimal  # the CV assumed per additional PV
    extra_cv: Decimal
    cap_factor: Decimal | None  # kept as in the last estimate run

    @property
    def change(self) -> Decimal:
        return self.after - self.before


def cv_per_pv(data: PartnerCommissionInput) -> Decimal:
    """CV per PV of this period's orders of the partner and the first line
    (their CV / their QV), or 1 when there are none yet: what additional
    volume is assumed to bring."""
    if data.group_qv <= 0 or data.group_cv <= 0:
        return Decimal(1)
    return (Decimal(data.group_cv) / Decimal(data.group_qv)).quantize(
        Decimal("0.0001"), rounding=ROUND_HALF_UP
    )


def partner_commission_estimate(
    data: PartnerCommissionInput, *, level: int, target=None, pv: Decimal = Decimal(0)
) -> tuple[engine.Result, int]:
    """The partner's estimate if `pv` more PV came in at `target` (OWN, NEW or a
    leg's head id; see qualification.whatif) and the partner were paid as
    `level`. The volume is a customer order of the partner (OWN), of the leg's
    head (generation 1), or of a new direct partner without a team (NEW),
    with CV = PV x cv_per_pv(data). The other partners' ranks and the company's
    cap factor stay as they are. Returns the result and the extra CV cents."""
    extra_pv = engine.cents(pv)
    extra_cv = engine.cents(
        (pv * cv_per_pv(data)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    )
    plan, own = data.plan, data.own
    legs = []
    for leg in data.legs.values():
        head_pv, head_cv = leg.head_pv, leg.head_cv
        if target == leg.head_id:
            head_pv, head_cv = head_pv + extra_pv, head_cv + extra_cv
        qualified = engine.skip_reason(leg.head_status, head_pv, plan) is None
        legs.append(engine.TeamLeg(head_cv, qualified, leg.rest_cv))
    if target == NEW and extra_cv:
        legs.append(engine.TeamLeg(extra_cv, False, ()))
    mine = (
        own
        if target != OWN
        else replace(own, pv=own.pv + extra_pv, customer_cv=own.customer_cv + extra_cv)
    )
    mine = replace(
        mine,
        paid_as=level,
        team_cv=engine.team_cv_by_generation(legs, plan.max_generation),
    )
    return engine.partner_compute(plan, mine, cap_factor=data.cap_factor), extra_cv


def commission_whatif(
    data: PartnerCommissionInput, *, level_before: int, level_after: int, target, pv: Decimal
) -> CommissionWhatIf:
    """The estimate now and with `pv` more PV at `target`, both from the same
    live figures (so the change is the volume's alone). Nothing is stored."""
    before, _cv = partner_commission_estimate(data, level=level_before)
    after, extra_cv = partner_commission_estimate(data, level=level_after, target=target, pv=pv)
    return CommissionWhatIf(
        before=engine.money(before.total),
        after=engine.money(after.total),
        cv_per_pv=cv_per_pv(data),
        extra_cv=engine.money(extra_cv),
        cap_factor=engine.factor_decimal(data.cap_factor),
    )
