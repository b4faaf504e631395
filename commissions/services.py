"""Writes of the commissions app: statements at the close, the live estimate.

Both read the period's data in a few set-based queries (sql.py-style raw SQL,
integer cents), call the pure `engine.compute`, and write the result in bulk.

* `statements_compute_for_close` runs inside qualification's period_close
  transaction (the `period_closing` hook, after the final recompute, before the
  title ranks are raised): the statements, their lines and the period summary
  are committed with the close or not at all, and never changed afterwards.
* `estimates_refresh` computes the open period as if it closed now (live
  paid-as ranks, the title ranks before it) and replaces its estimate rows.
"""

import logging
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from qualification.models import (
    CommissionSettings,
    PartnerPeriodStats,
    PartnerTitle,
    Period,
    Rank,
    VolumeEntry,
)
from qualification.sql import cents, periods_lock_shared_all_open

from . import engine
from .models import Estimate, EstimateRun, PeriodCommissionSummary, Statement, StatementLine

logger = logging.getLogger(__name__)

LEDGER = VolumeEntry._meta.db_table
STATS = PartnerPeriodStats._meta.db_table
TITLE = PartnerTitle._meta.db_table
STATEMENT = Statement._meta.db_table
LINE = StatementLine._meta.db_table
PERIOD = Period._meta.db_table
OWN = VolumeEntry.Kind.OWN.value
HUNDREDTHS = Decimal(100)


# --- The plan as the engine reads it -------------------------------------------------


def _hundredths(value: Decimal) -> int:
    return engine.cents(Decimal(value))


def commission_plan() -> engine.CommissionPlan:
    """The plan in force (ranks and commission settings) in engine units."""
    settings = CommissionSettings.objects.order_by("pk").first() or CommissionSettings()
    ranks = tuple(
        engine.RankPay(
            level=r.level,
            name=r.name,
            customer_percent=_hundredths(r.customer_percent),
            team_percents=tuple(_hundredths(Decimal(str(p))) for p in (r.team_percents or [])),
            advancement_bonus=engine.cents(r.advancement_bonus),
        )
        for r in Rank.objects.order_by("level")
    )
    return engine.CommissionPlan(
        ranks=ranks,
        base_customer_percent=_hundredths(settings.base_customer_percent),
        active_min_pv=engine.cents(settings.active_min_pv),
        cap_percent=_hundredths(settings.cap_percent) if settings.cap_percent is not None else None,
        min_payout=engine.cents(settings.min_payout),
    )


# --- Reading a period ---------------------------------------------------------------


def _previous_closed(period: Period) -> Period | None:
    return (
        Period.objects.filter(status=Period.Status.CLOSED, start__lt=period.start)
        .order_by("-start")
        .first()
    )


def _load_input(cursor, period: Period) -> engine.PeriodInput:
    from partners.models import Partner

    partner = Partner._meta.db_table
    cursor.execute(f"SELECT id, sponsor_id FROM {partner}")  # noqa: S608
    sponsor = dict(cursor.fetchall())
    cursor.execute(f"SELECT id, status FROM {partner} WHERE status <> %s", [Partner.Status.ACTIVE])  # noqa: S608
    status = dict(cursor.fetchall())
    cursor.execute(
        f"SELECT partner_id, {cents('pv')}, paid_as_level FROM {STATS} WHERE period_id = %s",  # noqa: S608
        [period.pk],
    )
    pv: dict[int, int] = {}
    paid_as: dict[int, int] = {}
    for pid, cents_pv, level in cursor.fetchall():
        if cents_pv:
            pv[pid] = cents_pv
        if level:
            paid_as[pid] = level
    cursor.execute(
        f"SELECT partner_id, kind = %s, {cents('SUM(cv)')} FROM {LEDGER} "  # noqa: S608
        "WHERE period_id = %s GROUP BY partner_id, kind",
        [OWN, period.pk],
    )
    customer_cv: dict[int, int] = {}
    own_cv: dict[int, int] = {}
    cv_total = 0
    for pid, is_own, cv in cursor.fetchall():
        cv_total += cv
        if pid is None or not cv:
            continue
        target = own_cv if is_own else customer_cv
        target[pid] = target.get(pid, 0) + cv
    cursor.execute(f"SELECT partner_id, level FROM {TITLE}")  # noqa: S608
    title_before = dict(cursor.fetchall())
    cursor.execute(
        f"SELECT s.partner_id, l.rank_name FROM {LINE} l JOIN {STATEMENT} s ON s.id = l.statement_id "  # noqa: S608
        "WHERE l.kind = %s",
        [StatementLine.Kind.BONUS],
    )
    bonus_paid: dict[int, set[str]] = {}
    for pid, name in cursor.fetchall():
        bonus_paid.setdefault(pid, set()).add(name)
    carried_in: dict[int, int] = {}
    previous = _previous_closed(period)
    if previous is not None:
        cursor.execute(
            f"SELECT partner_id, {cents('carried_out')} FROM {STATEMENT} "  # noqa: S608
            "WHERE period_id = %s AND carried_out <> 0",
            [previous.pk],
        )
        carried_in = dict(cursor.fetchall())
    return engine.PeriodInput(
        sponsor=sponsor,
        status=status,
        pv=pv,
        paid_as=paid_as,
        customer_cv=customer_cv,
        own_cv=own_cv,
        cv_total=cv_total,
        title_before=title_before,
        bonus_paid=bonus_paid,
        carried_in=carried_in,
    )


# --- The close ------------------------------------------------------------------------

_M = engine.money


def _statement(period_id: int, res: engine.Result, now) -> Statement:
    return Statement(
        period_id=period_id,
        partner_id=res.partner_id,
        paid_as_level=res.paid_as_level,
        paid_as_rank_name=res.paid_as_name,
        active_qualified=res.active_qualified,
        pv=_M(res.pv),
        cv=_M(res.cv),
        customer_cv=_M(res.customer_cv),
        own_cv=_M(res.own_cv),
        customer_percent=_M(res.customer_percent),
        customer_commission=_M(res.customer),
        team_commission=_M(res.team),
        advancement_bonus=_M(res.bonus),
        total=_M(res.total),
        carried_in=_M(res.carried_in),
        payout=_M(res.payout),
        carried_out=_M(res.carried_out),
        created_at=now,
    )


def _lines(statement_id: int, res: engine.Result, factor) -> list[StatementLine]:
    lines = []
    for kind, source, generation, cv, percent, amount, rank_name, reason, skipped in res.lines:
        lines.append(
            StatementLine(
                statement_id=statement_id,
                kind=kind,
                source_partner_id=source,
                skipped_partner_id=skipped,
                generation=generation,
                cv=_M(cv) if cv is not None else None,
                percent=_M(percent) if percent is not None else None,
                amount=engine.micro_decimal(amount),
                factor=factor if kind == engine.CAP else None,
                rank_name=rank_name,
                reason=reason,
            )
        )
    return lines


def _customer_lines_sql(cursor, period_id: int) -> None:
    """One customer line per order of each statement with a customer percent:
    the order's net customer CV in the period x the statement's percent. The
    ledger of a closed period never changes, so these lines stay true."""
    cursor.execute(
        f"INSERT INTO {LINE} (statement_id, kind, order_id, cv, percent, amount, rank_name, reason) "  # noqa: S608
        "SELECT s.id, %s, e.order_id, SUM(e.cv), s.customer_percent, SUM(e.cv) * s.customer_percent / 100.0, '', '' "
        f"FROM {LEDGER} e JOIN {STATEMENT} s ON s.partner_id = e.partner_id AND s.period_id = e.period_id "
        "WHERE e.period_id = %s AND e.kind <> %s AND s.customer_percent <> 0 "
        "GROUP BY s.id, e.order_id, s.customer_percent HAVING SUM(e.cv) <> 0 "
        "ORDER BY s.id, e.order_id",
        [StatementLine.Kind.CUSTOMER, period_id, OWN],
    )


def statements_compute_for_close(*, period: Period) -> engine.Summary:
    """Compute and store the statements of a period being closed (called
    inside period_close's transaction, with the period locked)."""
    if (
        Statement.objects.filter(period=period).exists()
        or PeriodCommissionSummary.objects.filter(period=period).exists()
    ):
        raise ValidationError(
            _("Period %(label)s has statements already; they are never computed twice.")
            % {"label": period.label}
        )
    now = timezone.now()
    with connection.cursor() as cursor:
        data = _load_input(cursor, period)
        results, summary = engine.compute(commission_plan(), data)
        factor = engine.factor_decimal(summary.cap_factor)
        ordered = [results[pid] for pid in sorted(results)]
        statements = Statement.objects.bulk_create(
            [_statement(period.pk, res, now) for res in ordered], batch_size=2_000
        )
        ids = {s.partner_id: s.pk for s in statements}
        if not all(ids.values()):  # a backend that does not return ids
            ids = dict(Statement.objects.filter(period=period).values_list("partner_id", "pk"))
        batch: list[StatementLine] = []
        for res in ordered:
            batch.extend(_lines(ids[res.partner_id], res, factor))
            if len(batch) >= 20_000:
                StatementLine.objects.bulk_create(batch, batch_size=5_000)
                batch = []
        StatementLine.objects.bulk_create(batch, batch_size=5_000)
        _customer_lines_sql(cursor, period.pk)
    PeriodCommissionSummary.objects.create(
        period=period,
        cv_total=_M(summary.cv_total),
        customer_total=engine.micro_decimal(summary.customer_exact),
        team_total=engine.micro_decimal(summary.team_exact),
        bonus_total=_M(summary.bonus),
        cap_limit=engine.micro_decimal(summary.cap_limit)
        if summary.cap_limit is not None
        else None,
        cap_factor=factor,
        customer_commission=_M(summary.customer),
        team_commission=_M(summary.team),
        advancement_bonus=_M(summary.bonus),
        total=_M(summary.total),
        payout_total=_M(summary.payout),
        carried_total=_M(summary.carried),
        statement_count=summary.statements,
        computed_at=now,
    )
    # The estimate of a period ends with its close.
    Estimate.objects.filter(period=period).delete()
    EstimateRun.objects.filter(period=period).delete()
    return summary


# --- The live estimate ---------------------------------------------------------------


@transaction.atomic
def estimates_refresh(*, period: Period) -> int:
    """Recompute the estimate of an open period (spec section 4) with the
    same engine and the live paid-as ranks: the statements as if the period
    closed now. Returns the number of estimates. A closed period has none
    (its statements replaced them).

    Locks: the period FOR KEY SHARE (a close waits for us, or we see it
    closed; live volume keeps flowing), and the period's EstimateRun row, so
    two refreshes of one period run one after the other."""
    with connection.cursor() as cursor:
        if not periods_lock_shared_all_open(cursor, {period.pk}):
            Estimate.objects.filter(period=period).delete()
            EstimateRun.objects.filter(period=period).delete()
            return 0
    EstimateRun.objects.get_or_create(period=period, defaults={"computed_at": timezone.now()})
    EstimateRun.objects.select_for_update().get(period=period)
    now = timezone.now()
    with connection.cursor() as cursor:
        data = _load_input(cursor, period)
        results, summary = engine.compute(commission_plan(), data)
        cursor.execute(f"DELETE FROM {Estimate._meta.db_table} WHERE period_id = %s", [period.pk])  # noqa: S608
    Estimate.objects.bulk_create(
        [
            Estimate(
                period_id=period.pk,
                partner_id=res.partner_id,
                paid_as_level=res.paid_as_level,
                paid_as_rank_name=res.paid_as_name,
                active_qualified=res.active_qualified,
                cv=_M(res.cv),
                customer_cv=_M(res.customer_cv),
                own_cv=_M(res.own_cv),
                customer_commission=_M(res.customer),
                team_commission=_M(res.team),
                advancement_bonus=_M(res.bonus),
                total=_M(res.total),
                carried_in=_M(res.carried_in),
                computed_at=now,
            )
            for pid, res in sorted(results.items())
        ],
        batch_size=5_000,
    )
    EstimateRun.objects.update_or_create(
        period=period,
        defaults={
            "computed_at": now,
            "cv_total": _M(summary.cv_total),
            "cap_factor": engine.factor_decimal(summary.cap_factor),
            "total": _M(summary.total),
            "estimate_count": len(results),
        },
    )
    return len(results)


def estimates_refresh_open() -> int:
    """Refresh the estimates of every open period (Celery beat)."""
    count = 0
    for period in Period.objects.filter(status=Period.Status.OPEN).order_by("start"):
        count += estimates_refresh(period=period)
    return count
