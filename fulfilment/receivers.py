"""What the fulfilment app does when orders reports a change: a paid order is
ready to ship (announced for the webhooks, inside the payment's transaction)."""

from django.dispatch import receiver

from orders.events import order_event_recorded
from orders.models import Order, OrderEvent

from .events import order_ready_to_ship


@receiver(order_event_recorded)
def _paid_order_is_ready_to_ship(sender, event, **kwargs):
    if event.kind == OrderEvent.Kind.PAID and event.order.status == Order.Status.PAID:
        order_ready_to_ship.send(sender=Order, order=event.order)
