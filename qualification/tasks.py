"""Celery tasks: thin wrappers that load ids and call the services.

apply_pending_volume is idempotent (applied entries leave the queue in the same
transaction), so it acknowledges late and retries on database trouble.
"""

import logging

from celery import shared_task
from django.core.exceptions import ValidationError
from django.db import OperationalError

from .models import Period
from .services import (
    period_close_run,
    period_closes_sweep,
    period_current_open,
    period_recompute,
    volume_apply_pending,
    volume_sweep,
)

logger = logging.getLogger(__name__)


@shared_task(
    acks_late=True,
    autoretry_for=(OperationalError,),
    retry_backoff=1,
    retry_backoff_max=30,
    retry_jitter=True,
    max_retries=10,
)
def apply_pending_volume(period_id: int) -> int:
    period = Period.objects.filter(pk=period_id).first()
    if period is None:
        return 0
    return volume_apply_pending(period=period)


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=5, max_retries=5)
def sweep_pending_volume() -> int:
    """Celery beat, every minute: entries whose task never ran (broker down
    after commit) are applied here, so no volume is ever lost."""
    return volume_sweep()


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=5, max_retries=5)
def recompute_period_task(period_id: int) -> int:
    period = Period.objects.filter(pk=period_id).first()
    if period is None:
        return 0
    try:
        return period_recompute(period=period)
    except ValidationError:
        # Closed in the meantime: frozen results are never recomputed.
        logger.info("Period %s is closed; not recomputed.", period.label)
        return 0


@shared_task
def ensure_current_period() -> int:
    """Celery beat, hourly: the current month's period exists before its first order."""
    return period_current_open().pk


@shared_task(acks_late=True)
def close_periods_task(close_ids: list[int]) -> list[str]:
    """The admin's closes, one after the other in calendar order. Acknowledged
    late: a worker killed mid-close leaves the transaction rolled back and the
    task redelivered, and period_close_run runs again safely."""
    return [
        close.status if close is not None else "missing"
        for close in (period_close_run(close_id=close_id) for close_id in close_ids)
    ]


@shared_task
def sweep_period_closes() -> int:
    """Celery beat, every minute: queued closes whose task never arrived."""
    ids = period_closes_sweep()
    if ids:
        close_periods_task.delay(ids)
    return len(ids)
