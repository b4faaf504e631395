"""Celery tasks: thin wrappers around the services."""

import logging

from celery import shared_task
from django.db import OperationalError

from qualification.models import Period

from .services import estimates_refresh, estimates_refresh_open

logger = logging.getLogger(__name__)


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=5, max_retries=5)
def refresh_period_estimate(period_id: int) -> int:
    period = Period.objects.filter(pk=period_id).first()
    if period is None:
        return 0
    return estimates_refresh(period=period)


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=5, max_retries=3)
def refresh_commission_estimates() -> int:
    """Celery beat, every two minutes: the estimates of the open periods, so
    none is older than five minutes (a refresh at 100k partners takes seconds)."""
    return estimates_refresh_open()
