"""Listens to the other apps' hooks (they never import webhooks) and writes the
event to the outbox inside their transaction.

Apps above webhooks in the layering (commissions, payouts) call
services.webhook_event_record / webhook_events_record themselves.
"""

from django.dispatch import receiver

from fulfilment.events import order_ready_to_ship, shipments_created
from orders.events import order_event_recorded
from partners.signals import partner_enrolled, partner_status_changed
from qualification.events import period_closing, title_ranks_raising

from .models import EventType
from .payloads import (
    order_event_payload,
    order_ready_to_ship_payload,
    partner_data,
    period_data,
    shipment_payload,
)
from .services import webhook_event_record, webhook_events_record

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


@receiver(order_ready_to_ship)
def order_ready_to_ship_to_webhook(sender, order, **kwargs):
    webhook_event_record(
        event_type=EventType.ORDER_READY_TO_SHIP,
        payload=lambda: order_ready_to_ship_payload(order),
    )


@receiver(shipments_created)
def shipments_created_to_webhook(sender, shipments, **kwargs):
    """`shipment.created`: one event per parcel (a tracking import's chunk in one go)."""
    webhook_events_record(
        event_type=EventType.SHIPMENT_CREATED,
        payloads=lambda: (shipment_payload(shipment) for shipment in shipments),
    )


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


@receiver(title_ranks_raising)
def title_ranks_to_webhook(sender, period, changes, **kwargs):
    """`partner.rank_changed`: one event per partner whose title rank rises at
    the close (the rank that counts for the plan from then on)."""
    period_ref = {"id": period.pk, "label": period.label}

    def payloads():
        for partner_id, slug, old_level, old_name, new_level, new_name in changes():
            yield {
                "partner": {"id": partner_id, "slug": slug},
                "kind": "title",
                "old_level": old_level,
                "old_rank": old_name,
                "new_level": new_level,
                "new_rank": new_name,
                "period": period_ref,
            }

    webhook_events_record(event_type=EventType.PARTNER_RANK_CHANGED, payloads=payloads)
