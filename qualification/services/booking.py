"""Booking order events into the ledger (spec 4): append-only, queued for apply."""

import logging
import threading

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils.translation import gettext as _

from orders.attribution import order_is_own
from orders.models import Order, OrderEvent

from .. import sql
from ..bookings import Booking, Posted, Volume, order_event_bookings
from ..models import PendingVolume, Period, VolumeEntry
from .periods import period_current_open, period_for

logger = logging.getLogger(__name__)


class _CommitRun:
    """The apply tasks enqueued by the on_commit callbacks of one commit."""

    def __init__(self):
        self.fired = False
        self.enqueued: set[int] = set()


_runs = threading.local()


def _schedule_apply(period_ids: set[int]) -> None:
    """After commit, enqueue one apply task per touched period, however many
    events the transaction booked: every booking registers its own on_commit
    callback (so Django drops it with a rolled-back savepoint), and the
    callbacks of one commit share a _CommitRun that skips periods enqueued
    already. A run whose transaction rolled back never fired and is simply
    reused. An extra task would be harmless anyway: applying is idempotent."""
    run = getattr(_runs, "current", None)
    if run is None or run.fired:
        run = _runs.current = _CommitRun()
    ids = frozenset(period_ids)

    def enqueue():
        run.fired = True
        from ..tasks import apply_pending_volume

        for period_id in sorted(ids - run.enqueued):
            run.enqueued.add(period_id)
            try:
                apply_pending_volume.delay(period_id)
            except Exception:  # broker down: the periodic sweep applies it later
                logger.exception("Could not enqueue apply_pending_volume(%s)", period_id)

    transaction.on_commit(enqueue, robust=True)


def _open_or_current(period: Period) -> Period:
    return period if period.is_open else period_current_open()


class _LivePeriods:
    """Periods as the live path finds them: created when first needed; volume
    of a closed period goes to the current open one."""

    @staticmethod
    def at(when) -> Period:
        return period_for(at=when)

    @staticmethod
    def open_or_current(period: Period) -> Period:
        return _open_or_current(period)


def _bookings_for(event: OrderEvent, order: Order) -> list[Booking]:
    """Read the inputs of order_event_bookings for a saved event."""
    if event.kind == OrderEvent.Kind.PAID:
        posted = []
    else:
        posted = [
            Posted(
                e.period,
                e.partner_id,
                e.kind,
                Volume.of(e),
                e.order_event.kind == OrderEvent.Kind.PAID,
            )
            for e in VolumeEntry.objects.filter(order=order)
            .select_related("order_event", "period")
            .order_by("pk")
        ]
    if event.kind == OrderEvent.Kind.REATTRIBUTED and event.attribution_change_id:
        partner = event.attribution_change.to_partner
    else:
        partner = order.attributed_partner
    return order_event_bookings(
        event_kind=event.kind,
        occurred_at=event.occurred_at,
        partner_id=partner.pk if partner else None,
        own=order_is_own(order=order, partner=partner),
        order_volume=Volume.of(order),
        order_paid_at=order.paid_at,
        refund_volume=Volume.of(event.refund) if event.refund_id else None,
        posted=posted,
        periods=_LivePeriods,
    )


@transaction.atomic
def volume_book_order_event(*, event: OrderEvent) -> list[VolumeEntry]:
    """Append the ledger entries of one order event (spec 4) and queue them.

    Paid: +QV in the period of the paid time (company time zone), or in the
    current open period when that one is closed. Refunded: see
    _bookings_refund. Re-attributed: see _bookings_reattribution. The company's
    volume (no partner) is booked too, for completeness; results ignore it.
    Booking an event again changes nothing.
    """
    if VolumeEntry.objects.filter(order_event=event).exists():
        return []
    event = OrderEvent.objects.select_related("refund", "attribution_change__to_partner__user").get(
        pk=event.pk
    )
    order = Order.objects.select_related("customer", "attributed_partner__user").get(
        pk=event.order_id
    )
    for _attempt in range(5):
        bookings = _bookings_for(event, order)
        if not bookings:
            return []
        # Lock the target periods FOR KEY SHARE and re-read them: a close in
        # progress (FOR UPDATE) makes us wait and then shows "closed", so we
        # book elsewhere; a close that starts later waits for our commit. Apply
        # tasks (FOR NO KEY UPDATE) do not block this.
        if not sql.periods_lock_shared_all_open(
            connection.cursor(), {b.period.pk for b in bookings}
        ):
            continue
        break
    else:  # pragma: no cover - periods closing five times in a row
        raise ValidationError(_("Could not book the volume: periods keep closing. Please retry."))
    try:
        with transaction.atomic():
            entries = VolumeEntry.objects.bulk_create(
                [
                    VolumeEntry(
                        order_event=event,
                        line_no=i,
                        order=order,
                        period=b.period,
                        partner_id=b.partner_id,
                        kind=b.kind,
                        **b.volume.fields(),
                    )
                    for i, b in enumerate(bookings)
                ]
            )
            PendingVolume.objects.bulk_create(
                [PendingVolume(entry=e, period_id=e.period_id) for e in entries]
            )
    except IntegrityError:
        # Booked concurrently by someone else: the unique constraint decided.
        if VolumeEntry.objects.filter(order_event=event).exists():
            return []
        raise
    _schedule_apply({e.period_id for e in entries})
    return entries
