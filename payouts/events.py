"""Hooks of the payouts app for the apps above it (subscriptions, notifications).

`debit_returned(order, reason_code, order_debit)`: sent inside the transaction
that records a returned direct debit (Rücklastschrift) of `order`, after the
order was refunded; `reason_code` is the bank's ISO code (AC04, AM04, MD06, ...).
Receivers that do slow work should defer it with transaction.on_commit.

`payout_run_paid(run)`: sent inside the transaction that marks a payout run
paid (its entries with outcome PAID were sent).

`payout_item_returned(item, entry)`: sent inside the transaction that records a
payout the bank sent back (the item and its run entry)."""

from django.dispatch import Signal

debit_returned = Signal()

payout_run_paid = Signal()

payout_item_returned = Signal()
