"""Consumes qualification's period hooks: the statements are computed in the
transaction that closes the period; the estimate of an open period is
refreshed after each full recompute of it (and by Celery beat)."""

from django.db import transaction
from django.dispatch import receiver

from qualification.events import period_closing, period_recomputed


@receiver(period_closing)
def compute_statements(sender, period, **kwargs):
    from .services import statements_compute_for_close

    statements_compute_for_close(period=period)


@receiver(period_recomputed)
def refresh_estimate_after_recompute(sender, period, **kwargs):
    from .tasks import refresh_period_estimate

    period_id = period.pk
    transaction.on_commit(lambda: refresh_period_estimate.delay(period_id), robust=True)
