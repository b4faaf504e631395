"""Payout hooks for consumers upstream (notifications). Sent inside the
transaction of the change; consumers schedule their work with on_commit."""

from django.dispatch import Signal

# run: PayoutRun, just marked paid (its entries with outcome PAID were sent).
payout_run_paid = Signal()

# item: PayoutItem, entry: PayoutRunEntry; the bank sent the transfer back.
payout_item_returned = Signal()
