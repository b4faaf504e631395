"""Celery tasks: thin wrappers that take ids and call the services.

The retry schedule (about a day) lives in the database (Delivery.next_attempt_at),
not in the broker: a short wait is scheduled with a countdown, and the beat sweep
sends every due delivery, so a lost task or a broker outage loses nothing.
"""

from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.db import OperationalError
from django.utils import timezone

from . import services
from .models import Delivery
from .selectors import webhook_deliveries_due
from .services import webhook_delivery_attempt

# Waits up to this long go to the broker as a countdown; longer ones to the sweep.
COUNTDOWN_MAX_SECONDS = 600


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=5, max_retries=5)
def deliver_webhook(delivery_id: int) -> str:
    delivery = webhook_delivery_attempt(delivery_id=delivery_id)
    if delivery is None:
        return "skipped"
    if delivery.status == Delivery.Status.PENDING and delivery.next_attempt_at:
        wait = (delivery.next_attempt_at - timezone.now()).total_seconds()
        if wait <= COUNTDOWN_MAX_SECONDS and not deliver_webhook.app.conf.task_always_eager:
            deliver_webhook.apply_async((delivery_id,), countdown=max(wait, 0))
    return delivery.status


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=5, max_retries=5)
def sweep_due_webhook_deliveries() -> int:
    """Celery beat, every minute: deliveries whose attempt is due (retries, and
    any whose task was lost) are sent."""
    ids = webhook_deliveries_due()
    for delivery_id in ids:
        deliver_webhook.delay(delivery_id)
    return len(ids)


@shared_task(acks_late=True)
def enqueue_webhook_deliveries(delivery_ids: list[int]) -> int:
    """Fan-out of a bulk record (webhook_events_record): one task per delivery."""
    for delivery_id in delivery_ids:
        deliver_webhook.delay(delivery_id)
    return len(delivery_ids)


@shared_task
def webhook_history_prune() -> int:
    """Beat, daily: forget settled webhook events older than WEBHOOK_HISTORY_DAYS."""
    return services.webhook_history_prune(
        before=timezone.now() - timedelta(days=settings.WEBHOOK_HISTORY_DAYS)
    )
