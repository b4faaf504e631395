"""Booking order events into the ledger (spec 4): append-only, queued for apply."""

import logging
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils.translation import gettext as _

from orders.models import Order, OrderEvent
from orders.services import order_is_own

from .. import sql
from ..models import PendingVolume, Period, VolumeEntry
from .periods import period_current_open, period_for

logger = logging.getLogger(__name__)

Kind = VolumeEntry.Kind


class _ApplyAfterCommit:
    """One on_commit callback per transaction that enqueues one apply task per
    touched period, however many events the transaction booked (an import)."""

    def __init__(self):
        self.period_ids: set[int] = set()
        self.fired = False

    def __call__(self):
        self.fired = True
        from ..tasks import apply_pending_volume

        for period_id in sorted(self.period_ids):
            try:
                apply_pending_volume.delay(period_id)
            except Exception:  # broker down: the periodic sweep applies it later
                logger.exception("Could not enqueue apply_pending_volume(%s)", period_id)


def _schedule_apply(period_ids: set[int]) -> None:
    conn = transaction.get_connection()
    if conn.in_atomic_block:
        # Django keeps pending callbacks in run_on_commit (dropping those of a
        # rolled-back savepoint), so a batch found there is alive.
        for _sids, func, _robust in conn.run_on_commit:
            if isinstance(func, _ApplyAfterCommit) and not func.fired:
                func.period_ids |= period_ids
                return
    batch = _ApplyAfterCommit()
    batch.period_ids |= period_ids
    transaction.on_commit(batch, robust=True)


def _open_or_current(period: Period) -> Period:
    return period if period.is_open else period_current_open()


@dataclass
class _Booking:
    period: Period
    partner_id: int | None
    kind: str
    qv: Decimal


def _kind_for(order: Order, partner) -> str:
    return Kind.OWN if order_is_own(order=order, partner=partner) else Kind.CUSTOMER


def _bookings_paid(event: OrderEvent, order: Order) -> list[_Booking]:
    period = _open_or_current(period_for(at=event.occurred_at))
    partner = order.attributed_partner
    return [_Booking(period, partner.pk if partner else None, _kind_for(order, partner), order.qv)]


def _bookings_refund(event: OrderEvent, order: Order, entries: list[VolumeEntry]) -> list[_Booking]:
    """Negative QV of what was refunded, for the order's current partner: into
    the period of the order's paid entry while open, else the current open period."""
    paid = next((e for e in entries if e.order_event.kind == OrderEvent.Kind.PAID), None)
    if paid is not None:
        period = _open_or_current(paid.period)
    else:
        period = _open_or_current(period_for(at=order.paid_at or event.occurred_at))
    partner = order.attributed_partner
    partner_id = partner.pk if partner else None
    # Take back the kind the volume was booked as (own/customer stays balanced).
    kind = next(
        (e.kind for e in reversed(entries) if e.partner_id == partner_id and e.qv > 0),
        None,
    ) or _kind_for(order, partner)
    return [_Booking(period, partner_id, kind, -event.refund.qv)]


def _bookings_reattribution(event: OrderEvent, order: Order, entries: list[VolumeEntry]) -> list[_Booking]:
    """Move the order's net volume from the old partner to the new one in every
    period it sits in (the current open period for closed ones)."""
    new_partner = event.attribution_change.to_partner if event.attribution_change_id else order.attributed_partner
    new_id = new_partner.pk if new_partner else None
    new_kind = _kind_for(order, new_partner)
    net: dict[tuple[int, int | None, str], Decimal] = defaultdict(Decimal)
    periods: dict[int, Period] = {}
    for e in entries:
        net[(e.period_id, e.partner_id, e.kind)] += e.qv
        periods[e.period_id] = e.period
    bookings = []
    for (period_id, partner_id, kind), qv in sorted(
        net.items(), key=lambda item: (periods[item[0][0]].start, item[0][1] or 0, item[0][2])
    ):
        if partner_id == new_id or not qv:
            continue
        period = _open_or_current(periods[period_id])
        bookings.append(_Booking(period, partner_id, kind, -qv))
        bookings.append(_Booking(period, new_id, new_kind, qv))
    return bookings


def _bookings_for(event: OrderEvent, order: Order) -> list[_Booking]:
    if event.kind == OrderEvent.Kind.PAID:
        return _bookings_paid(event, order)
    entries = list(
        VolumeEntry.objects.filter(order=order).select_related("order_event", "period").order_by("pk")
    )
    if event.kind == OrderEvent.Kind.REFUNDED:
        return _bookings_refund(event, order, entries)
    if event.kind == OrderEvent.Kind.REATTRIBUTED:
        return _bookings_reattribution(event, order, entries)
    return []


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
    event = OrderEvent.objects.select_related("refund", "attribution_change__to_partner__user").get(pk=event.pk)
    order = Order.objects.select_related("customer", "attributed_partner__user").get(pk=event.order_id)
    for _attempt in range(5):
        bookings = _bookings_for(event, order)
        if not bookings:
            return []
        # Lock the target periods FOR KEY SHARE and re-read them: a close in
        # progress (FOR UPDATE) makes us wait and then shows "closed", so we
        # book elsewhere; a close that starts later waits for our commit. Apply
        # tasks (FOR NO KEY UPDATE) do not block this.
        if not sql.periods_lock_shared_all_open(connection.cursor(), {b.period.pk for b in bookings}):
            continue
        break
    else:  # pragma: no cover - periods closing five times in a row
        raise ValidationError(_("Could not book the volume: periods keep closing. Please retry."))
    try:
        with transaction.atomic():
            entries = VolumeEntry.objects.bulk_create(
                [
                    VolumeEntry(
                        order_event=event, line_no=i, order=order, period=b.period,
                        partner_id=b.partner_id, kind=b.kind, qv=b.qv,
                    )
                    for i, b in enumerate(bookings)
                ]
            )
            PendingVolume.objects.bulk_create([PendingVolume(entry=e, period_id=e.period_id) for e in entries])
    except IntegrityError:
        # Booked concurrently by someone else: the unique constraint decided.
        if VolumeEntry.objects.filter(order_event=event).exists():
            return []
        raise
    _schedule_apply({e.period_id for e in entries})
    return entries
