"""Background work of the orders app. Tasks take ids and call one function."""

import logging

from celery import shared_task

logger = logging.getLogger(__name__)

# The sweep leaves younger outbox entries to the task sent after commit.
CONFIRMATION_SWEEP_MIN_AGE_SECONDS = 120


@shared_task(bind=True, max_retries=5, default_retry_delay=60)
def order_confirmation_send(self, order_id: int) -> None:
    """The order confirmation e-mail, sent after the order is committed."""
    from .emails import order_confirmation_deliver

    try:
        order_confirmation_deliver(order_id=order_id)
    except OSError as exc:  # SMTP trouble: try again later (the sweep would too)
        logger.warning("Order confirmation for order %s not sent yet: %s", order_id, exc)
        raise self.retry(exc=exc) from exc


def order_confirmation_enqueue(order_id: int) -> None:
    """After commit: hand the confirmation to the worker. If the broker cannot
    take it (down, unreachable) or the eager send fails, the order stands and the
    outbox keeps the mail for order_confirmations_sweep."""
    try:
        order_confirmation_send.delay(order_id)
    except Exception:  # noqa: BLE001 - whatever it is, the customer has ordered
        logger.warning("Confirmation of order %s left to the sweep", order_id, exc_info=True)


@shared_task
def order_confirmations_sweep(min_age_seconds: int = CONFIRMATION_SWEEP_MIN_AGE_SECONDS) -> int:
    """Beat, every minute: send the confirmations whose task never ran."""
    from .emails import order_confirmation_deliver, order_confirmations_due

    sent = 0
    for order_id in order_confirmations_due(min_age_seconds=min_age_seconds):
        try:
            sent += order_confirmation_deliver(order_id=order_id)
        except OSError as exc:
            logger.warning("Order confirmation for order %s not sent yet: %s", order_id, exc)
            break  # the mail server is down: the next sweep tries again
    return sent


@shared_task
def idempotency_keys_prune() -> int:
    """Beat, daily: forget Idempotency-Keys older than ORDER_INTAKE_IDEMPOTENCY_DAYS."""
    from datetime import timedelta

    from django.conf import settings
    from django.utils import timezone

    from .services import idempotency_keys_prune as prune

    return prune(before=timezone.now() - timedelta(days=settings.ORDER_INTAKE_IDEMPOTENCY_DAYS))


@shared_task(bind=True, max_retries=8, default_retry_delay=300)
def refund_send_task(self, refund_id: int) -> str:
    """A refund booked here goes back through Stripe (orders.payments.refund_send);
    retried while Stripe cannot be reached, then left to an admin (a note)."""
    import stripe

    from .payments import refund_send, refund_send_failed

    try:
        return refund_send(refund_id=refund_id)
    except stripe.StripeError as exc:
        transient = isinstance(exc, stripe.APIConnectionError | stripe.RateLimitError)
        if not transient or self.request.retries >= self.max_retries:
            logger.error("Refund %s not sent to Stripe: %s", refund_id, exc)
            refund_send_failed(refund_id=refund_id, error=str(exc)[:80])
            return ""
        raise self.retry(exc=exc) from exc


def refund_send_enqueue(refund_id: int) -> None:
    """After commit: hand the refund to the worker (the booking stands in any case)."""
    try:
        refund_send_task.delay(refund_id)
    except Exception:  # noqa: BLE001 - the refund is booked; the note tells the admins
        logger.warning("Refund %s not handed to the worker", refund_id, exc_info=True)
