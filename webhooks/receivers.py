"""Listens to the other apps' hooks (they never import webhooks) and writes the
event to the outbox inside their transaction.

Events from apps that are not wired here yet call services.webhook_event_record
themselves (or send a hook this module listens to).
"""

from django.dispatch import receiver

from orders.events import order_event_recorded
from partners.signals import partner_enrolled, partner_status_changed
from qualification.events import period_closing

from .models import EventType
from .payloads import order_event_payload, partner_data, period_data
from .services import webhook_event_record

ORDER_EVENT_TYPES = {
    "paid": EventType.ORDER_PAID,
    "refunded": EventType.ORDER_REFUNDED,
    "reattributed": EventType.ORDER_REATTRIBUTED,
}


@receiver(order_event_recorded)
def order_event_to_webhook(sender, event, **kwargs):
    event_type = ORDER_EVENT_TYPES.get(event.kind)
    if event_type is not None:
        webhook_event_record(event_type=event_type, payload=lambda: order_event_payload(event))


@receiver(partner_enrolled)
def partner_enrolled_to_webhook(sender, partner, **kwargs):
    webhook_event_record(
        event_type=EventType.PARTNER_ENROLLED, payload=lambda: {"partner": partner_data(partner)}
    )


@receiver(partner_status_changed)
def partner_status_to_webhook(sender, partner, old_status, **kwargs):
    webhook_event_record(
        event_type=EventType.PARTNER_STATUS_CHANGED,
        payload=lambda: {
            "partner": partner_data(partner),
            "old_status": old_status,
            "new_status": partner.status,
        },
    )


@receiver(period_closing)
def period_closed_to_webhook(sender, period, **kwargs):
    webhook_event_record(
        event_type=EventType.PERIOD_CLOSED, payload=lambda: {"period": period_data(period)}
    )
