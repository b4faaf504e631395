"""Celery tasks: thin, take ids, call sources/services. Each may run twice
(retry, redelivery): the unique (partner, kind, key) makes that harmless."""

from celery import shared_task
from django.db import OperationalError

from . import services, sources

RETRY = {"autoretry_for": (OperationalError,), "retry_backoff": 5, "max_retries": 5}


@shared_task(**RETRY)
def notify_order_paid(event_id: int) -> None:
    sources.order_paid(event_id=event_id)


@shared_task(**RETRY)
def notify_order_returned(refund_id: int) -> None:
    sources.order_returned(refund_id=refund_id)


@shared_task(**RETRY)
def notify_partner_enrolled(partner_id: int) -> None:
    sources.partner_enrolled(partner_id=partner_id)


@shared_task(**RETRY)
def notify_title_ranks(period_id: int, changes: list) -> None:
    sources.title_ranks_raised(period_id=period_id, changes=[tuple(c) for c in changes])


@shared_task(**RETRY)
def notify_statements(period_id: int) -> None:
    sources.statements_issued(period_id=period_id)


@shared_task(**RETRY)
def notify_payout_run_paid(run_id: int) -> None:
    sources.payout_run_paid(run_id=run_id)


@shared_task(**RETRY)
def notify_payout_returned(entry_id: int) -> None:
    sources.payout_returned(entry_id=entry_id)


@shared_task(**RETRY)
def notify_subscription_changed(subscription_id: int, change: str, at: str) -> None:
    sources.subscription_changed(subscription_id=subscription_id, change=change, at=at)


@shared_task(**RETRY)
def notify_rank_close() -> int:
    """Daily (beat): the "n days left" notices of the open period's last days."""
    return sources.rank_close_current()


@shared_task(**RETRY)
def notification_emails_send(ids: list[int]) -> int:
    return services.notification_emails_send(ids=ids)


@shared_task(**RETRY)
def notification_emails_sweep() -> int:
    return services.notification_emails_sweep()


@shared_task(**RETRY)
def notification_digests_send() -> int:
    """Daily (beat): one digest e-mail per partner with notifications waiting."""
    return services.digests_send()


@shared_task(**RETRY)
def notification_pushes_send(ids: list[int]) -> int:
    return services.notification_pushes_send(ids=ids)
