"""The plan sandbox (commissions.md section 7): a draft plan file run over
closed periods, changing nothing stored but the SandboxRun row.

How a run computes, per chosen period P in calendar order, all in memory:

1. Ranks under the draft: qualification's engine (`full_pass`) over P's PV
   summed from the ledger (frozen since the close) and TODAY's genealogy.
   ASSUMPTION: the close stores no genealogy, so a partner moved since P
   closed counts in the new place; with no moves since, the sandbox sees
   exactly the tree the close saw.
2. Commissions under the draft: the commission engine (`compute`,
   explain=False) over P's CV from the ledger, with the draft's paid-as ranks
   and PV, and three figures chained across the run:
   * title ranks: before the first chosen period, the highest paid-as level of
     each partner in the closed periods before it (as stored); then raised by
     each chosen period's DRAFT paid-as ranks (and by the stored ranks of any
     closed period skipped between two chosen ones);
   * bonuses paid: as stored before the first chosen period, then the draft's
     (skipped periods: as stored);
   * carry: the stored carried_out of the closed period before P, unless that
     period is the previous chosen one: then the draft's carried_out.
3. As paid: the stored statements and period summary of P.

The draft is checked by the plan file's one validator (qualification's
`plan_validate` and the commission serializers), with the same messages.
"""

import gc
import logging
from contextlib import contextmanager
from decimal import Decimal
from fractions import Fraction

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from commissions import engine
from commissions.models import PeriodCommissionSummary, Statement, StatementLine
from commissions.services import period_input
from qualification.engine import Plan, full_pass
from qualification.models import PartnerPeriodStats, Period
from qualification.plan_fields import validate_commission_settings
from qualification.ranks import RankRule
from qualification.services import plan_load, plan_validate
from qualification.sql import cents, partners_bottom_up, period_volumes

from .models import SandboxRun

logger = logging.getLogger(__name__)

TOP = 10  # gainers and losers shown
STATS = PartnerPeriodStats._meta.db_table
PERIOD = Period._meta.db_table
STATEMENT = Statement._meta.db_table
LINE = StatementLine._meta.db_table


# --- The draft ---------------------------------------------------------------------


def sandbox_plan_validate(*, data) -> tuple[list[RankRule], engine.CommissionPlan]:
    """The draft plan file as rank rules and a commission plan; ValidationError
    with the plan file's messages (the same validator as load_plan)."""
    ranks = plan_validate(data=data)
    settings = validate_commission_settings(data.get("commissions", {}))[0]
    level_of = {r["name"]: r["level"] for r in ranks}
    rules = [
        RankRule(
            level=r["level"],
            name=r["name"],
            min_pv=r["min_pv"],
            min_gv=r["min_gv"],
            max_leg_percent=r["max_leg_percent"],
            min_qualified_legs=r["min_qualified_legs"],
            leg_rank_level=level_of[r["leg_rank"]] if r["leg_rank"] else 0,
            leg_rank_name=r["leg_rank"] or "",
        )
        for r in ranks
    ]
    hundredths = engine.cents  # percents have at most two places, like money
    commission = engine.CommissionPlan(
        ranks=tuple(
            engine.RankPay(
                level=r["level"],
                name=r["name"],
                customer_percent=hundredths(r["customer_percent"]),
                team_percents=tuple(hundredths(Decimal(p)) for p in r["team_percents"]),
                advancement_bonus=engine.cents(r["advancement_bonus"]),
            )
            for r in sorted(ranks, key=lambda r: r["level"])
        ),
        base_customer_percent=hundredths(settings["base_customer_percent"]),
        active_min_pv=engine.cents(settings["active_min_pv"]),
        cap_percent=hundredths(settings["cap_percent"])
        if settings["cap_percent"] is not None
        else None,
        min_payout=engine.cents(settings["min_payout"]),
    )
    return sorted(rules, key=lambda r: r.level, reverse=True), commission


@transaction.atomic
def sandbox_run_create(*, data, periods: list[Period], created_by=None) -> SandboxRun:
    """Check the draft and the periods, store the run, queue its task after commit."""
    sandbox_plan_validate(data=data)
    if not periods:
        raise ValidationError(_("Please choose at least one closed period."))
    still_open = sorted(p.label for p in periods if p.is_open)
    if still_open:
        raise ValidationError(
            _("The sandbox runs closed periods only; %(labels)s is still open.")
            % {"labels": ", ".join(still_open)}
        )
    run = SandboxRun.objects.create(
        plan=data,
        periods=sorted({p.label for p in periods}),
        created_by=created_by,
        message=_("Waiting for a worker."),
    )
    from .tasks import sandbox_run_task

    transaction.on_commit(lambda: sandbox_run_task.delay(run.pk), robust=True)
    return run


def sandbox_draft_load(*, run: SandboxRun) -> dict[str, int]:
    """Make the run's draft the plan in force: qualification's plan_load, which
    changes the plan for the open periods only (and recomputes them); closed
    periods and their statements never change."""
    return plan_load(data=run.plan)


# --- Running -----------------------------------------------------------------------


def _progress(run_id: int, percent: int, message: str) -> None:
    """One short transaction per write, so the admin sees it while we run."""
    with transaction.atomic():
        SandboxRun.objects.filter(pk=run_id).update(
            progress=max(0, min(100, percent)), message=message[:300]
        )


@contextmanager
def _gc_paused():
    """The passes build millions of small acyclic tuples; see qualification's recompute."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _money(cents_value: int) -> str:
    return str(engine.money(cents_value))


def _percent(part: int, whole: int) -> str | None:
    if not whole:
        return None
    return str((Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.01")))


def _factor(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, Fraction):
        value = engine.factor_decimal(value)
    return str(Decimal(value).quantize(Decimal("0.000001")))


def _titles_stored(cursor, after, before) -> dict[int, int]:
    """Highest stored paid-as level per partner in the closed periods with
    after < start < before (after None: from the beginning)."""
    where, params = (
        "p.status = %s AND p.start < %s AND s.paid_as_level > 0",
        [Period.Status.CLOSED, before],
    )
    if after is not None:
        where += " AND p.start > %s"
        params.append(after)
    cursor.execute(
        f"SELECT s.partner_id, MAX(s.paid_as_level) FROM {STATS} s JOIN {PERIOD} p ON p.id = s.period_id "  # noqa: S608
        f"WHERE {where} GROUP BY s.partner_id",
        params,
    )
    return dict(cursor.fetchall())


def _bonuses_stored(cursor, after, before) -> list[tuple[int, str]]:
    where, params = "l.kind = %s AND p.start < %s", [StatementLine.Kind.BONUS, before]
    if after is not None:
        where += " AND p.start > %s"
        params.append(after)
    cursor.execute(
        f"SELECT s.partner_id, l.rank_name FROM {LINE} l JOIN {STATEMENT} s ON s.id = l.statement_id "  # noqa: S608
        f"JOIN {PERIOD} p ON p.id = s.period_id WHERE {where}",
        params,
    )
    return cursor.fetchall()


def _merge_titles(titles: dict[int, int], more: dict[int, int]) -> None:
    for pid, level in more.items():
        if level > titles.get(pid, 0):
            titles[pid] = level


def _as_paid(cursor, period: Period) -> tuple[dict, dict[int, int]]:
    """The stored figures of a closed period and each partner's stored total (cents)."""
    summary = PeriodCommissionSummary.objects.filter(period=period).first()
    cursor.execute(
        f"SELECT paid_as_name, COUNT(*) FROM {STATS} WHERE period_id = %s AND paid_as_level > 0 "  # noqa: S608
        "GROUP BY paid_as_name",
        [period.pk],
    )
    ranks = dict(cursor.fetchall())
    sql = f"SELECT partner_id, {cents('total')} FROM {STATEMENT} WHERE period_id = %s"  # noqa: S608
    cursor.execute(sql, [period.pk])
    totals = dict(cursor.fetchall())
    if summary is None:
        figures = {"cv_total": None, "statements": 0, "ranks": ranks}
        return figures, totals
    cv = engine.cents(summary.cv_total)
    payout = engine.cents(summary.payout_total)
    total = engine.cents(summary.total)
    figures = {
        "cv_total": _money(cv),
        "customer": str(summary.customer_commission),
        "team": str(summary.team_commission),
        "bonus": str(summary.advancement_bonus),
        "total": str(summary.total),
        "payout_total": str(summary.payout_total),
        "carried": str(summary.carried_total),
        "cap_factor": _factor(summary.cap_factor),
        "payout_percent_of_cv": _percent(payout, cv),
        "total_percent_of_cv": _percent(total, cv),
        "statements": summary.statement_count,
        "ranks": ranks,
    }
    return figures, totals


def _draft_figures(summary: engine.Summary, rows) -> dict:
    ranks: dict[str, int] = {}
    for row in rows:
        if row[4]:
            ranks[row[5]] = ranks.get(row[5], 0) + 1
    return {
        "cv_total": _money(summary.cv_total),
        "customer": _money(summary.customer),
        "team": _money(summary.team),
        "bonus": _money(summary.bonus),
        "total": _money(summary.total),
        "payout_total": _money(summary.payout),
        "carried": _money(summary.carried),
        "cap_factor": _factor(summary.cap_factor),
        "payout_percent_of_cv": _percent(summary.payout, summary.cv_total),
        "total_percent_of_cv": _percent(summary.total, summary.cv_total),
        "statements": summary.statements,
        "ranks": ranks,
    }


def sandbox_compute(*, data, periods: list[Period], progress=None) -> dict:
    """The sandbox's results for a draft plan over closed periods (see the
    module doc). Reads only. `progress(percent, message)` is called along."""
    rules, commission = sandbox_plan_validate(data=data)
    rank_plan = Plan.from_rules(rules)
    periods = sorted(periods, key=lambda p: p.start)
    closed = list(Period.objects.filter(status=Period.Status.CLOSED).order_by("start"))
    previous_closed = {
        later.pk: earlier for earlier, later in zip(closed, closed[1:], strict=False)
    }
    report = progress or (lambda percent, message: None)
    out_periods = []
    paid_sum: dict[int, int] = {}
    draft_sum: dict[int, int] = {}
    steps = len(periods) * 3
    with _gc_paused(), connection.cursor() as cursor:
        partners = partners_bottom_up(cursor)
        first = periods[0]
        titles = _titles_stored(cursor, None, first.start)
        bonus_paid: dict[int, set[str]] = {}
        for pid, name in _bonuses_stored(cursor, None, first.start):
            bonus_paid.setdefault(pid, set()).add(name)
        carried: dict[int, int] | None = None
        last = None
        for index, period in enumerate(periods):
            label = period.label
            report(
                100 * (3 * index) // steps, _("%(label)s: ranks under the draft") % {"label": label}
            )
            if last is not None:  # closed periods skipped between two chosen ones count as stored
                _merge_titles(titles, _titles_stored(cursor, last.start, period.start))
                for pid, name in _bonuses_stored(cursor, last.start, period.start):
                    bonus_paid.setdefault(pid, set()).add(name)
            volumes, _pending = period_volumes(cursor, period.pk)
            rows = full_pass(rank_plan, volumes, partners)
            report(
                100 * (3 * index + 1) // steps,
                _("%(label)s: commissions under the draft") % {"label": label},
            )
            data_in = period_input(cursor, period)
            data_in.pv = {row[0]: row[1] + row[2] for row in rows if row[1] or row[2]}
            data_in.paid_as = {row[0]: row[4] for row in rows if row[4]}
            data_in.title_before = titles
            data_in.bonus_paid = bonus_paid
            if last is not None and previous_closed.get(period.pk) == last:
                data_in.carried_in = carried
            results, summary = engine.compute(commission, data_in, explain=False)
            report(100 * (3 * index + 2) // steps, _("%(label)s: as paid") % {"label": label})
            paid, paid_totals = _as_paid(cursor, period)
            out_periods.append(
                {"label": label, "draft": _draft_figures(summary, rows), "paid": paid}
            )
            for pid, total in paid_totals.items():
                paid_sum[pid] = paid_sum.get(pid, 0) + total
            # Chain for the next chosen period.
            carried = {}
            titles = dict(titles)
            for pid, res in results.items():
                draft_sum[pid] = draft_sum.get(pid, 0) + res.total
                if res.carried_out:
                    carried[pid] = res.carried_out
                if res.bonus:
                    for line in res.lines:
                        if line[0] == engine.BONUS:
                            bonus_paid.setdefault(pid, set()).add(line[6])
            _merge_titles(titles, data_in.paid_as)
            last = period
            del rows, results, volumes
    diffs = [
        (draft_sum.get(pid, 0) - paid_sum.get(pid, 0), pid)
        for pid in paid_sum.keys() | draft_sum.keys()
    ]
    gainers = sorted((d for d in diffs if d[0] > 0), key=lambda d: (-d[0], d[1]))[:TOP]
    losers = sorted((d for d in diffs if d[0] < 0), key=lambda d: (d[0], d[1]))[:TOP]

    def partner_rows(items):
        return [
            {
                "partner_id": pid,  # names are read when shown (no personal data kept here)
                "paid_total": _money(paid_sum.get(pid, 0)),
                "draft_total": _money(draft_sum.get(pid, 0)),
                "diff": _money(diff),
            }
            for diff, pid in items
        ]

    return {
        "periods": out_periods,
        "gainers": partner_rows(gainers),
        "losers": partner_rows(losers),
        "partners_changed": sum(1 for d in diffs if d[0]),
    }


def sandbox_run_execute(*, run_id: int) -> SandboxRun | None:
    """Compute a queued run (the Celery task). Progress and the result go to
    the run row, each write in its own short transaction; nothing else is written."""
    run = SandboxRun.objects.filter(pk=run_id).first()
    if run is None or run.status not in (SandboxRun.Status.QUEUED, SandboxRun.Status.RUNNING):
        return run
    SandboxRun.objects.filter(pk=run_id).update(status=SandboxRun.Status.RUNNING, progress=0)
    try:
        starts = []
        for label in run.periods:
            year, month = label.split("-")
            starts.append(f"{int(year):04d}-{int(month):02d}-01")
        periods = list(Period.objects.filter(start__in=starts, status=Period.Status.CLOSED))
        if len(periods) != len(run.periods):
            raise ValidationError(_("A chosen period is not closed (or no longer exists)."))
        results = sandbox_compute(
            data=run.plan,
            periods=periods,
            progress=lambda percent, message: _progress(run_id, percent, message),
        )
    except ValidationError as error:
        SandboxRun.objects.filter(pk=run_id).update(
            status=SandboxRun.Status.FAILED,
            message="; ".join(error.messages)[:300],
            finished_at=timezone.now(),
        )
    except Exception:
        logger.exception("sandbox run %s failed", run_id)
        SandboxRun.objects.filter(pk=run_id).update(
            status=SandboxRun.Status.FAILED,
            message=_("The run failed with an internal error; see the server log."),
            finished_at=timezone.now(),
        )
    else:
        SandboxRun.objects.filter(pk=run_id).update(
            status=SandboxRun.Status.DONE,
            progress=100,
            message=_("Done."),
            results=results,
            finished_at=timezone.now(),
        )
    run.refresh_from_db()
    return run
