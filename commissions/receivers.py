"""Consumes qualification's period hook: the statements are computed in the
transaction that closes the period."""

from django.dispatch import receiver

from qualification.events import period_closing


@receiver(period_closing)
def compute_statements(sender, period, **kwargs):
    from .services import statements_compute_for_close

    statements_compute_for_close(period=period)
