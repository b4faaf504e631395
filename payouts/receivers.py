"""Payouts listens to the period close: once it has committed, every new
statement with a payout becomes a payable item (shown on the partner's
dashboard and picked by the next run)."""

from django.db import transaction
from django.dispatch import receiver

from qualification.events import period_closing

from .services import payout_items_sync


@receiver(period_closing, dispatch_uid="payouts_items_after_close")
def items_after_close(sender, period, **kwargs):
    transaction.on_commit(payout_items_sync)
