"""Background work of the fulfilment app. Tasks take ids and call one function."""

import logging

from celery import shared_task

logger = logging.getLogger(__name__)

MAIL_SWEEP_MIN_AGE_SECONDS = 120
# An import of many parcels hands its e-mails to the broker in chunks, one task each.
ENQUEUE_CHUNK = 500


@shared_task(bind=True, max_retries=5, default_retry_delay=60)
def shipment_mails_send(self, shipment_ids: list[int]) -> int:
    """The shipping e-mails of these parcels, sent after the parcels committed."""
    from .emails import shipment_mail_deliver

    sent = 0
    for shipment_id in shipment_ids:
        try:
            sent += shipment_mail_deliver(shipment_id=shipment_id)
        except OSError as exc:
            logger.warning("Shipping e-mail %s not sent yet: %s", shipment_id, exc)
            raise self.retry(exc=exc) from exc
    return sent


def shipment_mails_enqueue(shipment_ids: list[int]) -> None:
    """After commit: hand the e-mails to the worker; if the broker cannot take
    them, the outbox keeps them for shipment_mails_sweep."""
    for start in range(0, len(shipment_ids), ENQUEUE_CHUNK):
        try:
            shipment_mails_send.delay(shipment_ids[start : start + ENQUEUE_CHUNK])
        except Exception:  # noqa: BLE001 - the parcels stand; the sweep sends the mails
            logger.warning("Shipping e-mails left to the sweep", exc_info=True)
            return


@shared_task
def shipment_mails_sweep(min_age_seconds: int = MAIL_SWEEP_MIN_AGE_SECONDS) -> int:
    """Beat, every five minutes: the shipping e-mails whose task never ran."""
    from .emails import shipment_mail_deliver, shipment_mails_due

    sent = 0
    for shipment_id in shipment_mails_due(min_age_seconds=min_age_seconds):
        try:
            sent += shipment_mail_deliver(shipment_id=shipment_id)
        except OSError:
            logger.warning("Shipping e-mail %s failed in the sweep", shipment_id, exc_info=True)
    return sent
