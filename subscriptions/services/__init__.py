"""Writes on subscriptions, one subject per module: subscribing.py (terms,
quote, subscribe), cycle.py (the daily run: cycle orders, price notices,
pre-notifications), changes.py (what the customer does with the signed link:
skip, move, change, pause, resume), cancellation.py (cancel, take back, the
cancellation page, erasure), debits.py (returned debits); shared.py holds
what they share (terms, notice periods, the lock, the checks of lines and dates).

A cycle's order is an ordinary order written by orders' own writer
(orders.services.order_place_prepared), so it goes pending -> paid -> shipped and
books its QV/CV like any other. Attribution is decided once, at subscribing, by
orders.attribution.attribution_resolve (lifetime binding applies). The public
names are re-exported here, so `from subscriptions.services import
subscriptions_run` works as before.
"""

from .cancellation import (
    subscription_can_take_back,
    subscription_cancel,
    subscription_cancel_take_back,
    subscriptions_cancel_by_customer,
    subscriptions_cancel_for_erasure,
)
from .changes import (
    subscription_lines_change,
    subscription_mandate_change,
    subscription_move_next,
    subscription_pause,
    subscription_resume,
    subscription_skip_next,
)
from .cycle import (
    logger,
    subscription_cycle_create,
    subscription_prenotify,
    subscription_prices_announce,
    subscriptions_run,
)
from .debits import FAILURES_BEFORE_PAUSE, subscription_debit_returned
from .shared import MAX_DAYS_AHEAD, S, prenotification_days, price_notice_days, subscription_terms
from .subscribing import SubscriptionQuote, subscription_create, subscription_quote

__all__ = [
    "FAILURES_BEFORE_PAUSE",
    "MAX_DAYS_AHEAD",
    "S",
    "SubscriptionQuote",
    "logger",
    "prenotification_days",
    "price_notice_days",
    "subscription_can_take_back",
    "subscription_cancel",
    "subscription_cancel_take_back",
    "subscription_create",
    "subscription_cycle_create",
    "subscription_debit_returned",
    "subscription_lines_change",
    "subscription_mandate_change",
    "subscription_move_next",
    "subscription_pause",
    "subscription_prenotify",
    "subscription_prices_announce",
    "subscription_quote",
    "subscription_resume",
    "subscription_skip_next",
    "subscription_terms",
    "subscriptions_cancel_by_customer",
    "subscriptions_cancel_for_erasure",
    "subscriptions_run",
]
