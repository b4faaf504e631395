"""Listens to the orders app's hooks (orders never imports invoices): a payment
(or, with INVOICE_ISSUE_ON = "shipped", the shipping) issues the invoice, every
refund its correction, in the same transaction."""

from django.dispatch import receiver

from orders.events import order_event_recorded, order_shipped
from orders.models import OrderEvent

from .services import (
    ISSUE_ON_PAID,
    ISSUE_ON_SHIPPED,
    invoice_correction_issue_quietly,
    invoice_issue_on,
    invoice_issue_quietly,
)


@receiver(order_event_recorded, dispatch_uid="invoices_order_event")
def order_event(sender, event, **kwargs):
    if event.kind == OrderEvent.Kind.PAID and invoice_issue_on() == ISSUE_ON_PAID:
        invoice_issue_quietly(order=event.order)
    elif event.kind == OrderEvent.Kind.REFUNDED and event.refund_id:
        invoice_correction_issue_quietly(refund=event.refund)


@receiver(order_shipped, dispatch_uid="invoices_order_shipped")
def order_was_shipped(sender, order, **kwargs):
    if invoice_issue_on() == ISSUE_ON_SHIPPED:
        invoice_issue_quietly(order=order)
