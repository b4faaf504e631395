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
