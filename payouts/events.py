"""Hooks of the payouts app for the apps above it (subscriptions, notifications).

`debit_returned(order, reason_code, order_debit)`: sent inside the transaction
that records a returned direct debit (Rücklastschrift) of `order`, after the
order was refunded; `reason_code` is the bank's ISO code (AC04, AM04, MD06, ...).
Receivers that do slow work should defer it with transaction.on_commit."""

from django.dispatch import Signal

debit_returned = Signal()
