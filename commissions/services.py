"""Writes of the commissions app: statements at the close, the live estimate.

Both read the period's data in a few set-based queries (sql.py-style raw SQL,
integer cents), call the pure `engine.compute`, and write the result in bulk.

* `statements_compute_for_close` runs inside qualification's period_close
  transaction (the `period_closing` hook, after the final recompute, before the
  title ranks are raised): the statements, their lines and the period summary
  are committed with the close or not at all, and never changed afterwards.
* `estimates_refresh` computes the open period as if it closed now (live
  paid-as ranks, the title ranks before it) and replaces its estimate rows.

Why one module of about 600 lines: the close and the estimate are the same
computation written to two places; they share the loading (`_load_input`),
the plan and the COPY helpers, and must not drift apart.
"""

import logging
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from partners.csvio import IdReserver, RowWriter
from qualification.engine import cents_str
from qualification.models import (
    CommissionSettings,
    PartnerPeriodStats,
    PartnerTitle,
    Period,
    Rank,
    VolumeEntry,
)
from qualification.sql import cents, is_postgres, periods_lock_shared_all_open, tune_for_bulk
from webhooks.models import EventType
from webhooks.services import webhook_events_record

from . import engine
from .models import (
    Estimate,
    EstimateRun,
    EstimateTeamVolume,
    PeriodCommissionSummary,
    Statement,
    StatementLine,
)

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


def previous_closed_period(period: Period) -> Period | None:
    """The closed period before `period` (its carry is carried in)."""
    return (
        Period.objects.filter(status=Period.Status.CLOSED, start__lt=period.start)
        .order_by("-start")
        .first()
    )


def bonus_paid_sql() -> str:
    """Which bonuses every partner was ever paid: read through the partial index
    line_bonus_paid, so it costs the bonus lines, not all lines of all periods."""
    line, statement = StatementLine._meta.db_table, Statement._meta.db_table
    return (
        f"SELECT s.partner_id, l.rank_name FROM {line} l JOIN {statement} s ON s.id = l.statement_id "  # noqa: S608
        "WHERE l.kind = %s"
    )


def _load_input(cursor, period: Period) -> engine.PeriodInput:
    from partners.models import Partner

    partner = Partner._meta.db_table
    tune_for_bulk(cursor)  # the period's ledger summed in memory, not sorted on disk
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
    # One row per partner (own and all CV side by side), summed in integer
    # cents per entry: exact, and PostgreSQL adds bigints faster than numerics.
    if is_postgres():
        total_sql = "SUM((cv * 100)::bigint)::bigint"
        own_sql = "COALESCE(SUM((cv * 100)::bigint) FILTER (WHERE kind = %s), 0)::bigint"
    else:
        total_sql = f"SUM({cents('cv')})"
        own_sql = f"SUM(CASE WHEN kind = %s THEN {cents('cv')} ELSE 0 END)"
    cursor.execute(
        f"SELECT partner_id, {total_sql}, {own_sql} FROM {LEDGER} "  # noqa: S608
        "WHERE period_id = %s GROUP BY partner_id",
        [OWN, period.pk],
    )
    customer_cv: dict[int, int] = {}
    own_cv: dict[int, int] = {}
    cv_total = 0
    for pid, cv, own in cursor.fetchall():
        cv_total += cv
        if pid is None:
            continue
        if cv != own:
            customer_cv[pid] = cv - own
        if own:
            own_cv[pid] = own
    cursor.execute(f"SELECT partner_id, level FROM {TITLE}")  # noqa: S608
    title_before = dict(cursor.fetchall())
    cursor.execute(bonus_paid_sql(), [StatementLine.Kind.BONUS])
    bonus_paid: dict[int, set[str]] = {}
    for pid, name in cursor.fetchall():
        bonus_paid.setdefault(pid, set()).add(name)
    carried_in: dict[int, int] = {}
    previous = previous_closed_period(period)
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


def period_input(cursor, period: Period) -> engine.PeriodInput:
    """The engine's input for a period as the close reads it (stored paid-as
    ranks, today's title ranks and bonuses paid, the previous closed period's
    carry). The plan sandbox reads it and replaces what its draft changes."""
    return _load_input(cursor, period)


# --- The close ------------------------------------------------------------------------

_M = engine.money


_STATEMENT_COLUMNS = (
    "id",
    "period_id",
    "partner_id",
    "paid_as_level",
    "paid_as_rank_name",
    "active_qualified",
    "pv",
    "cv",
    "customer_cv",
    "own_cv",
    "customer_percent",
    "customer_commission",
    "team_commission",
    "advancement_bonus",
    "total",
    "carried_in",
    "payout",
    "carried_out",
)
_LINE_COLUMNS = (
    "statement_id",
    "kind",
    "source_partner_id",
    "generation",
    "cv",
    "percent",
    "amount",
    "factor",
    "rank_name",
    "reason",
    "skipped_partner_id",
)


def _statement_row(statement_id: int, period_id: int, res: engine.Result) -> tuple:
    return (
        statement_id,
        period_id,
        res.partner_id,
        res.paid_as_level,
        res.paid_as_name,
        res.active_qualified,
        _M(res.pv),
        _M(res.cv),
        _M(res.customer_cv),
        _M(res.own_cv),
        _M(res.customer_percent),
        _M(res.customer),
        _M(res.team),
        _M(res.bonus),
        _M(res.total),
        _M(res.carried_in),
        _M(res.payout),
        _M(res.carried_out),
    )


def _line_rows(ordered, ids: dict[int, int], factor):
    """The engine's lines as table rows, streamed (a million at a large close)."""
    micro = engine.micro_decimal
    for res in ordered:
        sid = ids[res.partner_id]
        for kind, source, generation, cv, percent, amount, rank_name, reason, skipped in res.lines:
            yield (
                sid,
                kind,
                source,
                generation,
                _M(cv) if cv is not None else None,
                _M(percent) if percent is not None else None,
                micro(amount),
                factor if kind == engine.CAP else None,
                rank_name,
                reason,
                skipped,
            )


def _copy_text(value: str) -> str:
    return (
        value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    )


def _micro_str(micro) -> str:
    if not isinstance(micro, int):
        return str(engine.micro_decimal(micro))
    if micro < 0:
        return "-%d.%06d" % divmod(-micro, 1_000_000)  # noqa: UP031 - fast exact formatting
    return "%d.%06d" % divmod(micro, 1_000_000)  # noqa: UP031


_NULL = "\\N"


def _copy_statements(cursor, period_id: int, ordered: list[engine.Result], factor, now) -> None:
    """PostgreSQL: statements and their lines by COPY of text rows formatted
    from the engine's integers (no Decimal objects for a million lines)."""
    stamp = now.isoformat()
    columns = ", ".join(c for c in _STATEMENT_COLUMNS if c != "id")
    names: dict[str, str] = {}
    with cursor.connection.cursor().copy(
        f"COPY {STATEMENT} ({columns}, created_at) FROM STDIN"
    ) as copy:
        chunk = []
        for res in ordered:
            name = names.get(res.paid_as_name)
            if name is None:
                name = names[res.paid_as_name] = _copy_text(res.paid_as_name)
            chunk.append(
                f"{period_id}\t{res.partner_id}\t{res.paid_as_level}\t{name}\t{'t' if res.active_qualified else 'f'}\t"
                f"{cents_str(res.pv)}\t{cents_str(res.cv)}\t{cents_str(res.customer_cv)}\t{cents_str(res.own_cv)}\t"
                f"{cents_str(res.customer_percent)}\t{cents_str(res.customer)}\t{cents_str(res.team)}\t"
                f"{cents_str(res.bonus)}\t{cents_str(res.total)}\t{cents_str(res.carried_in)}\t"
                f"{cents_str(res.payout)}\t{cents_str(res.carried_out)}\t{stamp}\n"
            )
            if len(chunk) >= 20_000:
                copy.write("".join(chunk))
                chunk = []
        copy.write("".join(chunk))
    cursor.execute(f"SELECT partner_id, id FROM {STATEMENT} WHERE period_id = %s", [period_id])  # noqa: S608
    ids = dict(cursor.fetchall())
    with engine.cycle_collection_paused():
        _copy_lines(cursor, ordered, ids, names, factor)


def _copy_lines(cursor, ordered, ids, names, factor) -> None:
    factor_text = str(factor) if factor is not None else _NULL
    line_columns = ", ".join(_LINE_COLUMNS)
    # Team and skipped lines (all but a few) by their own short templates; a
    # downline partner's CV is on up to a handful of statements and the
    # percents are few, so their texts are made once.
    team, skipped_kind = engine.TEAM, engine.SKIPPED
    cv_texts: dict[int, str] = {}
    percent_texts: dict[int, str] = {}
    with cursor.connection.cursor().copy(f"COPY {LINE} ({line_columns}) FROM STDIN") as copy:
        chunk: list[str] = []
        add = chunk.append
        for res in ordered:
            head = f"{ids[res.partner_id]}\t"
            for (
                kind,
                source,
                generation,
                cv,
                percent,
                amount,
                rank_name,
                reason,
                skipped,
            ) in res.lines:
                if kind in (team, skipped_kind):
                    cv_text = cv_texts.get(cv)
                    if cv_text is None:
                        cv_text = cv_texts[cv] = cents_str(cv)
                    if kind == team:
                        percent_text = percent_texts.get(percent)
                        if percent_text is None:
                            percent_text = percent_texts[percent] = cents_str(percent)
                        add(
                            f"{head}team\t{source}\t{generation}\t{cv_text}\t{percent_text}\t"
                            f"{_micro_str(amount)}\t\\N\t\t\t\\N\n"
                        )
                    else:
                        add(
                            f"{head}skipped\t{source}\t{generation}\t{cv_text}\t\\N\t0\t\\N\t\t"
                            f"{reason}\t{skipped}\n"
                        )
                    continue
                rank_text = names.get(rank_name)
                if rank_text is None:
                    rank_text = names[rank_name] = _copy_text(rank_name)
                add(
                    f"{head}{kind}\t{_NULL if source is None else source}\t"
                    f"{_NULL if generation is None else generation}\t{_NULL if cv is None else cents_str(cv)}\t"
                    f"{_NULL if percent is None else cents_str(percent)}\t{_micro_str(amount)}\t"
                    f"{factor_text if kind == engine.CAP else _NULL}\t{rank_text}\t{reason}\t"
                    f"{_NULL if skipped is None else skipped}\n"
                )
            if len(chunk) >= 20_000:
                copy.write("".join(chunk))
                chunk.clear()
        copy.write("".join(chunk))


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
        if is_postgres():
            _copy_statements(cursor, period.pk, ordered, factor, now)
        else:
            reserve = IdReserver(Statement, batch=100_000)
            ids = {res.partner_id: reserve.take() for res in ordered}
            RowWriter(Statement, _STATEMENT_COLUMNS).write(
                [_statement_row(ids[res.partner_id], period.pk, res) for res in ordered]
            )
            RowWriter(StatementLine, _LINE_COLUMNS).write(_line_rows(ordered, ids, factor))
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
    EstimateTeamVolume.objects.filter(period=period).delete()
    EstimateRun.objects.filter(period=period).delete()
    webhook_events_record(
        event_type=EventType.COMMISSION_STATEMENT_ISSUED,
        payloads=lambda: _statement_issued_payloads(period),
    )
    return summary


def _statement_issued_payloads(period: Period):
    """One `commission.statement_issued` payload per statement of the period:
    ids, the rank and the amounts, no personal data (streamed from one query)."""
    period_ref = {"id": period.pk, "label": period.label}
    rows = (
        Statement.objects.filter(period=period)
        .order_by("pk")
        .values_list(
            "pk",
            "partner_id",
            "partner__slug",
            "paid_as_level",
            "paid_as_rank_name",
            "customer_commission",
            "team_commission",
            "advancement_bonus",
            "total",
            "carried_in",
            "payout",
            "carried_out",
        )
    )
    for (
        pk,
        partner_id,
        slug,
        level,
        rank,
        customer,
        team,
        bonus,
        total,
        carried_in,
        payout,
        carried_out,
    ) in rows.iterator(chunk_size=5000):
        yield {
            "statement_id": pk,
            "partner": {"id": partner_id, "slug": slug},
            "period": period_ref,
            "paid_as_level": level,
            "paid_as_rank": rank,
            "customer_commission": customer,
            "team_commission": team,
            "advancement_bonus": bonus,
            "total": total,
            "carried_in": carried_in,
            "payout": payout,
            "carried_out": carried_out,
        }


# --- The live estimate ---------------------------------------------------------------

_ESTIMATE_COLUMNS = (
    "period_id",
    "partner_id",
    "paid_as_level",
    "paid_as_rank_name",
    "active_qualified",
    "cv",
    "customer_cv",
    "own_cv",
    "customer_commission",
    "team_commission",
    "advancement_bonus",
    "total",
    "carried_in",
    "computed_at",
)


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
            EstimateTeamVolume.objects.filter(period=period).delete()
            EstimateRun.objects.filter(period=period).delete()
            return 0
    EstimateRun.objects.get_or_create(period=period, defaults={"computed_at": timezone.now()})
    EstimateRun.objects.select_for_update().get(period=period)
    now = timezone.now()
    with connection.cursor() as cursor:
        data = _load_input(cursor, period)
        # Each partner's team CV by generation too: the what-if simulator
        # reads a partner's legs from it instead of reading the whole team.
        generations: dict[int, list[int]] = {}
        results, summary = engine.compute(
            commission_plan(), data, explain=False, team_generations=generations
        )
        cursor.execute(f"DELETE FROM {Estimate._meta.db_table} WHERE period_id = %s", [period.pk])  # noqa: S608
        cursor.execute(
            f"DELETE FROM {EstimateTeamVolume._meta.db_table} WHERE period_id = %s",  # noqa: S608
            [period.pk],
        )
        if is_postgres():
            _copy_estimates(cursor, period.pk, results, now)
        else:
            _insert_estimates(period.pk, results, now)
    RowWriter(EstimateTeamVolume, ("period_id", "partner_id", "generations")).write(
        (period.pk, pid, ",".join(map(str, gens)))
        for pid, gens in sorted(generations.items())
        if any(gens)
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


def _copy_estimates(cursor, period_id: int, results: dict[int, engine.Result], now) -> None:
    """PostgreSQL: the estimates by COPY of text rows formatted from the
    engine's integers (as the statements)."""
    stamp = now.isoformat()
    names: dict[str, str] = {}
    with cursor.connection.cursor().copy(
        f"COPY {Estimate._meta.db_table} ({', '.join(_ESTIMATE_COLUMNS)}) FROM STDIN"
    ) as copy:
        chunk: list[str] = []
        for pid in sorted(results):
            res = results[pid]
            name = names.get(res.paid_as_name)
            if name is None:
                name = names[res.paid_as_name] = _copy_text(res.paid_as_name)
            chunk.append(
                f"{period_id}\t{pid}\t{res.paid_as_level}\t{name}\t{'t' if res.active_qualified else 'f'}\t"
                f"{cents_str(res.cv)}\t{cents_str(res.customer_cv)}\t{cents_str(res.own_cv)}\t"
                f"{cents_str(res.customer)}\t{cents_str(res.team)}\t{cents_str(res.bonus)}\t"
                f"{cents_str(res.total)}\t{cents_str(res.carried_in)}\t{stamp}\n"
            )
            if len(chunk) >= 20_000:
                copy.write("".join(chunk))
                chunk.clear()
        copy.write("".join(chunk))


def _insert_estimates(period_id: int, results: dict[int, engine.Result], now) -> None:
    RowWriter(Estimate, _ESTIMATE_COLUMNS).write(
        (
            period_id,
            res.partner_id,
            res.paid_as_level,
            res.paid_as_name,
            res.active_qualified,
            _M(res.cv),
            _M(res.customer_cv),
            _M(res.own_cv),
            _M(res.customer),
            _M(res.team),
            _M(res.bonus),
            _M(res.total),
            _M(res.carried_in),
            now,
        )
        for _pid, res in sorted(results.items())
    )


def estimates_refresh_open() -> int:
    """Refresh the estimates of every open period (Celery beat)."""
    count = 0
    for period in Period.objects.filter(status=Period.Status.OPEN).order_by("start"):
        count += estimates_refresh(period=period)
    return count
