"""Consumes the order and partner hooks (qualification depends on both apps).

The only side effects: booking an order event into the ledger (same
transaction), and recomputing the open periods after a partner moved.
"""

from django.dispatch import receiver

from orders.events import order_event_recorded
from partners.signals import partner_moved


@receiver(order_event_recorded)
def book_order_event(sender, event, **kwargs):
    from .services import volume_book_order_event

    volume_book_order_event(event=event)


@receiver(partner_moved)
def recompute_after_move(sender, change, **kwargs):
    from .services import period_recompute_open_on_commit

    period_recompute_open_on_commit()
