"""Periods: the calendar (company time zone), locking, recompute and close.

See the package docstring (qualification/services/__init__.py) for the locks."""

import gc
from contextlib import contextmanager
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from .. import sql
from ..engine import Plan, full_pass
from ..events import period_closing, period_recomputed, title_ranks_raising
from ..models import Period, Rank
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
        with sql.StatsWriter(cursor, period.pk, timezone.now()) as writer:
            full_pass(plan, volumes, partners, progress=pass_progress, sink=writer.write)
        if progress:
            progress(scale, scale)
    return writer.count


@transaction.atomic
def period_close(*, period: Period, closed_by=None) -> Period:
    """Final recompute, freeze, and raise title ranks (spec 4, 5)."""
    period = _lock_period(period.pk, exclusive=True)
    if not period.is_open:
        raise ValidationError(
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
        raise ValidationError(
            _("Period %(label)s has not ended yet; it can be closed from %(date)s on.")
            % {"label": period.label, "date": date_format(ends_at.date(), "DATE_FORMAT")}
        )
    earlier = (
        Period.objects.filter(status=Period.Status.OPEN, start__lt=period.start)
        .order_by("start")
        .first()
    )
    if earlier is not None:
        raise ValidationError(
            _(
                "Period %(label)s cannot be closed while the earlier period %(earlier)s is open; "
                "periods close in calendar order."
            )
            % {"label": period.label, "earlier": earlier.label}
        )
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


def period_recompute_open_on_commit() -> None:
    """After the plan or the genealogy changed: recompute every open period
    once the transaction has committed (one task per period)."""

    def enqueue():
        from ..tasks import recompute_period_task

        for period_id in Period.objects.filter(status=Period.Status.OPEN).values_list(
            "pk", flat=True
        ):
            recompute_period_task.delay(period_id)

    transaction.on_commit(enqueue, robust=True)


def _plan() -> Plan:
    return Plan.from_rules(plan_from_ranks(Rank.objects.select_related("leg_rank")))
