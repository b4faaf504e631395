"""Background work of the invoices app. Tasks take ids and call one function."""

import logging

from celery import shared_task

logger = logging.getLogger(__name__)

MAIL_SWEEP_MIN_AGE_SECONDS = 120


@shared_task(bind=True, max_retries=5, default_retry_delay=60)
def invoice_mail_send(self, invoice_id: int) -> None:
    """The invoice (or correction) e-mail, sent after the document is committed."""
    from .emails import invoice_mail_deliver

    try:
        invoice_mail_deliver(invoice_id=invoice_id)
    except OSError as exc:
        logger.warning("Invoice e-mail %s not sent yet: %s", invoice_id, exc)
        raise self.retry(exc=exc) from exc


def invoice_mail_enqueue(invoice_id: int) -> None:
    """After commit: hand the e-mail to the worker; if the broker cannot take it,
    the outbox keeps it for invoices_sweep."""
    try:
        invoice_mail_send.delay(invoice_id)
    except Exception:  # noqa: BLE001 - the document stands; the sweep sends it
        logger.warning("Invoice e-mail %s left to the sweep", invoice_id, exc_info=True)


@shared_task
def invoices_sweep(min_age_seconds: int = MAIL_SWEEP_MIN_AGE_SECONDS) -> dict:
    """Beat, every five minutes: issue the invoices and corrections the hooks
    could not, and send the e-mails whose task never ran."""
    from .emails import invoice_mail_deliver, invoice_mails_due
    from .services import invoices_issue_missing

    issued = invoices_issue_missing()
    sent = 0
    for invoice_id in invoice_mails_due(min_age_seconds=min_age_seconds):
        try:
            sent += invoice_mail_deliver(invoice_id=invoice_id)
        except OSError as exc:
            logger.warning("Invoice e-mail %s not sent yet: %s", invoice_id, exc)
            break
        except Exception:  # noqa: BLE001 - its document could not be made; the others go out
            logger.exception("Invoice e-mail %s not sent: its document failed", invoice_id)
    return {"issued": issued, "sent": sent}
