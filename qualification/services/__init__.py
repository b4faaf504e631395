"""Writes of the qualification engine: periods, the volume ledger, results, ranks.

How an order becomes volume (spec sections 4, 5 and 7):

1. `volume_book_order_event` runs inside the order's transaction (receivers.py)
   and only APPENDS: ledger entries plus one PendingVolume row each. No results
   row is touched, so checkouts never queue on a top leader's row.
2. After commit one `apply_pending_volume` task per touched period runs
   `volume_apply_pending`: under the period's lock it drains the queue, nets
   the deltas and re-evaluates the partners concerned and their whole upline,
   deepest first, in a constant number of queries (see sql.py).
3. `period_recompute` computes a whole period from the ledger in one
   bottom-up pass. Both paths evaluate a partner with the same code
   (engine.py: GV = PV + legs' GV, Plan.rank_of over ranks.paid_as), so they
   cannot disagree; hypothesis tests check it on random cases.

Results rows exist only for partners with volume in their team; a missing row
means zeros and no rank (exact because rank_validate refuses a rank that asks
for nothing). Volume whose own period is closed (paid late, refunded or
re-attributed after the close) is booked into the current open period.

Locks: apply and recompute take FOR NO KEY UPDATE on the Period row, so they
serialise per period, while checkouts (which take only FOR KEY SHARE on it
while booking) never wait for them. Closing takes FOR UPDATE, which waits for
bookings in flight and makes new ones wait and then see "closed", so no entry
can land in a period after its final recompute.

The package holds one subject per module: periods.py (recompute, close),
booking.py (order events into the ledger), applying.py (the queue), ranks.py
(editing ranks) and plan.py (rank rules and the plan file). The public names
are re-exported here. What an order event books is decided by the pure
qualification/bookings.py (shared with the order importer); the calendar
(month_start, period_parse) is the pure qualification/periods.py.
"""

from .applying import APPLY_BATCH_LIMIT, volume_apply_pending, volume_sweep
from .booking import volume_book_order_event
from .periods import (
    _plan,
    company_tz,
    month_start,
    period_close,
    period_close_refusal,
    period_close_request,
    period_close_run,
    period_closes_sweep,
    period_current_open,
    period_ends_at,
    period_for,
    period_parse,
    period_recompute,
    period_recompute_open_on_commit,
    period_recompute_request,
)
from .plan import (
    PLAN_RANK_KEYS,
    commission_settings_save,
    commission_settings_validate,
    plan_load,
    plan_validate,
    rank_validate,
)
from .ranks import rank_delete, rank_save

__all__ = [
    "APPLY_BATCH_LIMIT",
    "PLAN_RANK_KEYS",
    "commission_settings_save",
    "commission_settings_validate",
    "_plan",
    "company_tz",
    "month_start",
    "period_close",
    "period_close_refusal",
    "period_close_request",
    "period_close_run",
    "period_closes_sweep",
    "period_current_open",
    "period_ends_at",
    "period_for",
    "period_parse",
    "period_recompute",
    "period_recompute_open_on_commit",
    "period_recompute_request",
    "plan_load",
    "plan_validate",
    "rank_delete",
    "rank_save",
    "rank_validate",
    "volume_apply_pending",
    "volume_book_order_event",
    "volume_sweep",
]
