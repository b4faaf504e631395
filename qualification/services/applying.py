"""Applying the queue (the incremental path): drain, net, re-evaluate the upline."""

from datetime import timedelta

from django.db import connection, transaction
from django.utils import timezone

from partners.genealogy import upline_ids

from .. import sql
from ..engine import incremental_pass
from ..models import Period, VolumeEntry
from .periods import _lock_period, _plan, _recompute_locked

# A queue longer than this is cheaper to absorb with one full recompute.
APPLY_BATCH_LIMIT = 5_000

Kind = VolumeEntry.Kind


@transaction.atomic
def volume_apply_pending(*, period: Period, limit: int = APPLY_BATCH_LIMIT) -> int:
    """Apply the queued ledger entries of a period to its results.

    Nets all pending entries per partner, then re-evaluates those partners and
    their whole upline, deepest first. A fixed number of queries whatever the
    depth or the company size. Idempotent: applied entries leave the queue in
    the same transaction. Returns the number of entries applied.
    """
    period = _lock_period(period.pk)
    if not period.is_open:
        # The final recompute of the close drained the queue; nothing can be left.
        return 0
    with connection.cursor() as cursor:
        pending = sql.pending_entries(cursor, period.pk, limit + 1)
        if not pending:
            return 0
        if len(pending) > limit:
            _recompute_locked(period)
            return len(pending)
        deltas: dict[int, list[int]] = {}
        for _entry_id, partner_id, kind, qv in pending:
            if partner_id is None:
                continue  # the company's volume
            delta = deltas.setdefault(partner_id, [0, 0])
            delta[1 if kind == Kind.OWN else 0] += qv
        if deltas:
            chains: dict[int, tuple[int | None, int]] = {}
            for pid, path in sql.partner_paths(cursor, deltas):
                line = [*upline_ids(path), pid]
                for depth, member in enumerate(line):
                    chains[member] = (line[depth - 1] if depth else None, depth)
            current = {pid: (c, o) for pid, c, o in sql.stats_volumes(cursor, period.pk, chains)}
            children: dict[int, dict[int, tuple[int, int]]] = {}
            for child, sponsor, gv, sml in sql.children_legs(cursor, period.pk, chains):
                children.setdefault(sponsor, {})[child] = (gv, sml)
            plan = _plan()
            rows = incremental_pass(
                plan, {p: (d[0], d[1]) for p, d in deltas.items()}, chains, current, children
            )
            sql.stats_upsert(cursor, period.pk, rows, timezone.now(), plan)
        sql.pending_delete(cursor, [row[0] for row in pending])
    return len(pending)


def volume_sweep(*, older_than: timedelta = timedelta(seconds=30)) -> int:
    """Apply queued entries whose task was lost (broker down after commit)."""
    from ..selectors import pending_period_ids

    applied = 0
    for period in Period.objects.filter(pk__in=pending_period_ids(older_than=older_than)):
        applied += volume_apply_pending(period=period)
    return applied
