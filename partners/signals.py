"""Hooks other apps listen to (partners uses no other app).

They run inside the service's transaction; receivers that start work elsewhere
do so with transaction.on_commit.
"""

from django.dispatch import Signal

# change: SponsorChange. Qualification recomputes the open periods.
partner_moved = Signal()
# partner, old_status, changed_by. Orders re-binds customers of terminated partners.
partner_status_changed = Signal()
# partner. Sent inside partner_enroll's transaction, after the partner is saved.
partner_enrolled = Signal()
