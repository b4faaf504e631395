"""Periods: the calendar (company time zone), locking, recompute and close.

See the package docstring (qualification/services/__init__.py) for the locks."""

import gc
from contextlib import contextmanager
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from .. import sql
from ..engine import Plan, full_pass
from ..events import period_closing, period_recomputed, title_ranks_raising
from ..models import Period, PeriodClose, Rank
from ..periods import company_tz, month_start, next_month, period_parse  # noqa: F401 - re-exported
from ..ranks import plan_from_ranks


def period_ends_at(period: Period) -> datetime:
    """The first instant after the period (midnight company time)."""
    nxt = next_month(period.start)
    return datetime(nxt.year, nxt.month, 1, tzinfo=company_tz())


def period_for(*, at: datetime) -> Period:
    """The period (calendar month, company time zone) containing `at`, created if needed."""
    period, _created = Period.objects.get_or_create(start=month_start(at))
    return period


def period_current_open() -> Period:
    """The period volume goes to when its own period is closed: the current
    month (which cannot be closed before it ends), or the next open one."""
    period = period_for(at=timezone.now())
    while not period.is_open:  # only if the time zone setting was changed
        period, _created = Period.objects.get_or_create(start=next_month(period.start))
    return period


def _lock_period(period_id: int, *, exclusive: bool = False) -> Period:
    """FOR NO KEY UPDATE (apply, recompute) or FOR UPDATE (close): see module doc."""
    return Period.objects.select_for_update(no_key=not exclusive).get(pk=period_id)


def _closed_error(period: Period) -> ValidationError:
    return ValidationError(
        _("Period %(label)s is closed; its results are frozen and cannot be recomputed.")
        % {"label": period.label}
    )


@transaction.atomic
def period_recompute(*, period: Period, progress=None) -> int:
    """Recompute all results of an open period from the ledger. Returns the
    number of results rows written. `progress(done, total)` is called along
    (it must not use the database: the rows are streaming to it meanwhile)."""
    period = _lock_period(period.pk)
    if not period.is_open:
        raise _closed_error(period)
    count = _recompute_locked(period, progress=progress)
    # Downstream (the commission estimate) refreshes after commit.
    period_recomputed.send(sender=Period, period=period)
    return count


@contextmanager
def _gc_paused():
    """The full pass creates millions of small tuples (no reference cycles);
    Python's cycle collector would walk them again and again (~35 % of the
    pass at a million partners). Paused for the duration, then restored."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _recompute_locked(period: Period, *, progress=None) -> int:
    with _gc_paused(), connection.cursor() as cursor:
        sql.tune_for_bulk(cursor)
        # The sums include exactly the queued entries read with them: consume
        # those; entries committed later stay queued for the task.
        volumes, pending = sql.period_volumes(cursor, period.pk)
        if pending:
            sql.pending_delete(cursor, pending)
        partners = sql.partners_bottom_up(cursor)
        scale = len(partners) + 1  # the pass, then the final merge
        pass_progress = (lambda done: progress(done, scale)) if progress else None
        plan = _plan()
        # Rows stream to the database while the pass computes the next ones
        # (no other query on this connection until the writer is closed).
        with sql.StatsWriter(cursor, period.pk, timezone.now(), plan) as writer:
            full_pass(plan, volumes, partners, progress=pass_progress, sink=writer.write)
        if progress:
            progress(scale, scale)
    return writer.count


def period_close_refusal(period: Period, *, closing_too=()) -> ValidationError | None:
    """Why `period` cannot be closed now (None: it can): closed already, not
    ended yet, or an earlier period still open (periods close in calendar
    order; earlier ones in `closing_too`, closed first in the same run, count
    as closed). The one owner of these rules: the close and the admin's
    request to close both ask it."""
    if not period.is_open:
        return ValidationError(
            _("Period %(label)s is closed already (since %(date)s).")
            % {
                "label": period.label,
                "date": date_format(timezone.localtime(period.closed_at), "DATETIME_FORMAT")
                if period.closed_at
                else "?",
            }
        )
    ends_at = period_ends_at(period)
    if timezone.now() < ends_at:
        return ValidationError(
            _("Period %(label)s has not ended yet; it can be closed from %(date)s on.")
            % {"label": period.label, "date": date_format(ends_at.date(), "DATE_FORMAT")}
        )
    earlier = (
        Period.objects.filter(status=Period.Status.OPEN, start__lt=period.start)
        .exclude(pk__in=[p.pk for p in closing_too])
        .order_by("start")
        .first()
    )
    if earlier is not None:
        return ValidationError(
            _(
                "Period %(label)s cannot be closed while the earlier period %(earlier)s is open; "
                "periods close in calendar order."
            )
            % {"label": period.label, "earlier": earlier.label}
        )
    return None


@transaction.atomic
def period_close(*, period: Period, closed_by=None) -> Period:
    """Final recompute, freeze, and raise title ranks (spec 4, 5)."""
    period = _lock_period(period.pk, exclusive=True)
    refusal = period_close_refusal(period)
    if refusal is not None:
        raise refusal
    _recompute_locked(period)
    period.status = Period.Status.CLOSED
    period.closed_at = timezone.now()
    period.closed_by = closed_by
    from ..selectors import plan_dump  # selectors import the services

    period.plan = plan_dump()
    period.save(update_fields=["status", "closed_at", "closed_by", "plan"])
    # Commissions (downstream) compute the statements here, in this
    # transaction, from the final results and the title ranks before the raise.
    period_closing.send(sender=Period, period=period)
    with connection.cursor() as cursor:

        def changes():
            with connection.cursor() as reading:
                return sql.titles_raising(reading, period.pk)

        title_ranks_raising.send(sender=Period, period=period, changes=changes)
        sql.titles_raise(cursor, period.pk, timezone.now())
    return period


def period_recompute_request(*, periods: list[Period]) -> None:
    """Recompute `periods` in the worker (an admin's click: at a million
    partners a recompute outlasts a web request). A closed period is refused
    at once and nothing is queued."""
    refusals = [_closed_error(period).messages[0] for period in periods if not period.is_open]
    if refusals:
        raise ValidationError(refusals)
    ids = [period.pk for period in sorted(periods, key=lambda p: p.start)]
    _recompute_on_commit(lambda: ids)


def period_recompute_open_on_commit() -> None:
    """After the plan or the genealogy changed: recompute every open period
    once the transaction has committed (one task per period)."""
    _recompute_on_commit(
        lambda: Period.objects.filter(status=Period.Status.OPEN).values_list("pk", flat=True)
    )


def _recompute_on_commit(period_ids) -> None:
    """Once the transaction has committed, one recompute task per id that
    `period_ids()` gives then."""

    def enqueue():
        from ..tasks import recompute_period_task

        for period_id in period_ids():
            recompute_period_task.delay(period_id)

    transaction.on_commit(enqueue, robust=True)


def _plan() -> Plan:
    return Plan.from_rules(plan_from_ranks(Rank.objects.select_related("leg_rank")))


# --- Closing in the background (the admin) ---------------------------------------


def period_close_request(*, periods: list[Period], requested_by=None) -> list[PeriodClose]:
    """Queue the close of `periods` for the worker, in calendar order (one task
    closes them one after the other). Refused at once, with the close's own
    reasons, when a period cannot be closed or is being closed already; then
    nothing is queued. The worker reports back in the active language (the
    requesting admin's)."""
    periods = sorted(periods, key=lambda p: p.start)
    errors = []
    for index, period in enumerate(periods):
        refusal = period_close_refusal(period, closing_too=periods[:index])
        if refusal is not None:
            errors.extend(refusal.messages)
        elif PeriodClose.objects.filter(period=period, status__in=PeriodClose.ACTIVE).exists():
            errors.append(_("Period %(label)s is being closed already.") % {"label": period.label})
    if errors:
        raise ValidationError(errors)
    try:
        with transaction.atomic():
            closes = [
                PeriodClose.objects.create(
                    period=period,
                    requested_by=requested_by,
                    language=translation.get_language() or "",
                )
                for period in periods
            ]
    except IntegrityError as exc:  # a second admin clicked at the same moment
        raise ValidationError(_("One of these periods is being closed already.")) from exc

    def enqueue():
        from ..tasks import close_periods_task

        close_periods_task.delay([close.pk for close in closes])

    transaction.on_commit(enqueue, robust=True)
    return closes


def period_close_run(*, close_id: int) -> PeriodClose | None:
    """Run one queued close (the worker): the close itself in its own
    transaction, then done or failed with the reason. Runs again safely (a
    redelivered task, the sweep): a period found closed is done."""
    close = PeriodClose.objects.select_related("period", "requested_by").filter(pk=close_id).first()
    if close is None or not close.is_active:
        return close
    PeriodClose.objects.filter(pk=close.pk).update(
        status=PeriodClose.Status.RUNNING, started_at=timezone.now()
    )
    with translation.override(close.language or settings.LANGUAGE_CODE):
        return _close_run(close)


def _close_run(close: PeriodClose) -> PeriodClose:
    try:
        period_close(period=close.period, closed_by=close.requested_by)
    except ValidationError as exc:
        close.period.refresh_from_db()
        if close.period.is_open:
            return _close_finished(close, PeriodClose.Status.FAILED, " ".join(exc.messages))
    except Exception:
        _close_finished(
            close,
            PeriodClose.Status.FAILED,
            _("The close stopped with an error; nothing was changed. The log has the details."),
        )
        raise
    return _close_finished(
        close,
        PeriodClose.Status.DONE,
        _("Period %(label)s is closed; title ranks were raised.") % {"label": close.period.label},
    )


def _close_finished(close: PeriodClose, status: str, message: str) -> PeriodClose:
    close.status, close.message, close.finished_at = status, message, timezone.now()
    close.save(update_fields=["status", "message", "finished_at"])
    return close


def period_closes_sweep(*, older_than_seconds: int = 120) -> list[int]:
    """Queued closes whose task never arrived (broker down at the click): their
    ids, to be sent again."""
    before = timezone.now() - timedelta(seconds=older_than_seconds)
    return list(
        PeriodClose.objects.filter(status=PeriodClose.Status.QUEUED, requested_at__lt=before)
        .order_by("period__start")
        .values_list("pk", flat=True)
    )
