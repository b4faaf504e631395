"""Background work of the orders app. Tasks take ids and call one function."""

import logging

from celery import shared_task

logger = logging.getLogger(__name__)


@shared_task(bind=True, max_retries=5, default_retry_delay=60)
def order_confirmation_send(self, order_id: int) -> None:
    """The order confirmation e-mail, sent after the order is committed."""
    from .emails import order_confirmation_email_send
    from .models import Order

    order = Order.objects.filter(pk=order_id).first()
    if order is None:
        return
    try:
        order_confirmation_email_send(order=order)
    except OSError as exc:  # SMTP trouble: try again later
        logger.warning("Order confirmation for %s not sent yet: %s", order.number, exc)
        raise self.retry(exc=exc) from exc
