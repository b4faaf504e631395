"""The order's status machine (qualification.md section 2): paid, shipped,
cancelled; every transition recorded, and the events that book volume
announced inside the same transaction (orders/events.py).
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..events import order_event_recorded, order_shipped
from ..models import Order, OrderEvent, OrderTransition
from ..stock import order_stock_release

S = Order.Status


# The status machine of qualification.md section 2. Anything else is refused.
TRANSITIONS: dict[str, set[str]] = {
    S.PENDING: {S.PAID, S.CANCELLED},
    S.PAID: {S.SHIPPED, S.REFUNDED},
    S.SHIPPED: {S.REFUNDED},
    S.CANCELLED: set(),
    S.REFUNDED: set(),
}


def _lock(order: Order) -> Order:
    return Order.objects.select_for_update().get(pk=order.pk)


def _transition(order: Order, to_status: str, *, changed_by=None, note: str = "") -> None:
    if to_status not in TRANSITIONS[order.status]:
        raise ValidationError(
            _("Order %(number)s cannot go from “%(from)s” to “%(to)s”.")
            % {"number": order.number, "from": S(order.status).label, "to": S(to_status).label}
        )
    OrderTransition.objects.create(
        order=order,
        from_status=order.status,
        to_status=to_status,
        changed_by=changed_by,
        note=note[:255],
    )
    order.status = to_status


def order_event_record(
    *, order: Order, kind: str, key: str, occurred_at, refund=None, attribution_change=None
) -> OrderEvent:
    """Append the event and announce it inside the current transaction."""
    event = OrderEvent.objects.create(
        order=order,
        kind=kind,
        key=key,
        occurred_at=occurred_at,
        refund=refund,
        attribution_change=attribution_change,
    )
    order_event_recorded.send(sender=OrderEvent, event=event)
    return event


@transaction.atomic
def order_mark_paid(
    *, order: Order, paid_at=None, changed_by=None, payment_reference: str = ""
) -> Order:
    order = _lock(order)
    _transition(order, S.PAID, changed_by=changed_by, note=payment_reference)
    order.paid_at = paid_at or timezone.now()
    if payment_reference:
        order.payment_reference = payment_reference
    order.save(update_fields=["status", "paid_at", "payment_reference", "updated_at"])
    order_event_record(
        order=order, kind=OrderEvent.Kind.PAID, key="paid", occurred_at=order.paid_at
    )
    return order


@transaction.atomic
def order_ship(*, order: Order, changed_by=None) -> Order:
    order = _lock(order)
    _transition(order, S.SHIPPED, changed_by=changed_by)
    order.shipped_at = timezone.now()
    order.save(update_fields=["status", "shipped_at", "updated_at"])
    order_shipped.send(sender=Order, order=order)
    return order


@transaction.atomic
def order_cancel(*, order: Order, changed_by=None, reason: str = "") -> Order:
    order = _lock(order)
    _transition(order, S.CANCELLED, changed_by=changed_by, note=reason)
    order.cancelled_at = timezone.now()
    order.save(update_fields=["status", "cancelled_at", "updated_at"])
    order_stock_release(order=order)
    return order


def order_payment_reference_set(*, order: Order, reference: str) -> Order:
    """Remember the provider's id of a payment attempt (e.g. a Stripe Checkout Session)."""
    Order.objects.filter(pk=order.pk).update(
        payment_reference=reference[:255], updated_at=timezone.now()
    )
    order.payment_reference = reference[:255]
    return order
