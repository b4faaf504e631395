"""Period hooks for consumers downstream (commissions).

`period_closing` is sent inside the transaction that closes a period, after the
final recompute and before the title ranks are raised, so a consumer can write
its own rows for the period atomically with the close (a failure rolls the
whole close back).
"""

from django.dispatch import Signal

# period: Period (locked, being closed)
period_closing = Signal()

# period: Period (open), sent inside the transaction of a full recompute;
# consumers schedule their work with on_commit.
period_recomputed = Signal()

# period: Period (being closed); changes: a function returning the title ranks
# about to be raised, [(partner_id, slug, old_level, old_name, new_level,
# new_name)], read only when called. Sent inside period_close's transaction,
# right before the raise (webhooks: `partner.rank_changed`).
title_ranks_raising = Signal()
