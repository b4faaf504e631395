"""Background work of the payouts app. Tasks take ids and call one function."""

import logging

from celery import shared_task

logger = logging.getLogger(__name__)


@shared_task(bind=True, max_retries=5, default_retry_delay=60)
def iban_changed_notify(self, profile_id: int) -> None:
    """Tell the partner that their IBAN was changed (account takeover protection)."""
    from .emails import iban_changed_email_send
    from .models import PayoutProfile

    profile = PayoutProfile.objects.select_related("partner__user").filter(pk=profile_id).first()
    if profile is None:
        return
    try:
        iban_changed_email_send(profile=profile)
    except OSError as exc:
        logger.warning("IBAN change notice for %s not sent yet: %s", profile.partner, exc)
        raise self.retry(exc=exc) from exc


# The sweep leaves younger outbox entries to the task sent after commit.
DEBIT_NOTICE_SWEEP_MIN_AGE_SECONDS = 120


@shared_task(bind=True, max_retries=5, default_retry_delay=60)
def debit_notice_send(self, debit_id: int) -> None:
    """The customer's e-mail about a returned direct debit, after commit."""
    from .emails import debit_notice_deliver

    try:
        debit_notice_deliver(debit_id=debit_id)
    except OSError as exc:  # SMTP trouble: try again later (the sweep would too)
        logger.warning("Direct debit notice for debit %s not sent yet: %s", debit_id, exc)
        raise self.retry(exc=exc) from exc


def debit_notice_enqueue(debit_id: int) -> None:
    """After commit: hand the notice to the worker; if the broker cannot take
    it, the outbox keeps it for debit_notices_sweep."""
    try:
        debit_notice_send.delay(debit_id)
    except Exception:  # noqa: BLE001 - the return is booked either way
        logger.warning("Direct debit notice of debit %s left to the sweep", debit_id, exc_info=True)


@shared_task
def debit_notices_sweep(min_age_seconds: int = DEBIT_NOTICE_SWEEP_MIN_AGE_SECONDS) -> int:
    """Beat, every few minutes: send the notices whose task never ran."""
    from .emails import debit_notice_deliver, debit_notices_due

    sent = 0
    for debit_id in debit_notices_due(min_age_seconds=min_age_seconds):
        try:
            sent += debit_notice_deliver(debit_id=debit_id)
        except OSError as exc:
            logger.warning("Direct debit notice for debit %s not sent yet: %s", debit_id, exc)
            break
    return sent
