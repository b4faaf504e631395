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
"""

import gc
import logging
import zoneinfo
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from orders.models import Order, OrderEvent
from orders.services import order_is_own
from partners.genealogy import upline_ids

from . import sql
from .engine import Plan, full_pass, incremental_pass
from .events import period_closing
from .models import PendingVolume, Period, Rank, VolumeEntry
from .ranks import plan_from_ranks
from .selectors import plan_dump

logger = logging.getLogger(__name__)

# A queue longer than this is cheaper to absorb with one full recompute.
APPLY_BATCH_LIMIT = 5_000

Kind = VolumeEntry.Kind


# --- Periods -----------------------------------------------------------------


def company_tz() -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def month_start(at: datetime) -> date:
    """First day of the month containing `at`, in the company's time zone."""
    if timezone.is_naive(at):
        at = timezone.make_aware(at, company_tz())
    local = at.astimezone(company_tz())
    return date(local.year, local.month, 1)


def _next_month(day: date) -> date:
    return date(day.year + (day.month == 12), day.month % 12 + 1, 1)


def period_ends_at(period: Period) -> datetime:
    """The first instant after the period (midnight company time)."""
    nxt = _next_month(period.start)
    return datetime(nxt.year, nxt.month, 1, tzinfo=company_tz())


def period_for(*, at: datetime) -> Period:
    """The period (calendar month, company time zone) containing `at`, created if needed."""
    period, _created = Period.objects.get_or_create(start=month_start(at))
    return period


def period_current_open() -> Period:
    """The period volume goes to when its own period is closed: the current
    month (which cannot be closed before it ends), or the next open one."""
    period = period_for(at=timezone.now())
    while not period.is_open:  # only if the time zone setting was changed
        period, _created = Period.objects.get_or_create(start=_next_month(period.start))
    return period


def _lock_period(period_id: int, *, exclusive: bool = False) -> Period:
    """FOR NO KEY UPDATE (apply, recompute) or FOR UPDATE (close): see module doc."""
    return Period.objects.select_for_update(no_key=not exclusive).get(pk=period_id)


def _closed_error(period: Period) -> ValidationError:
    return ValidationError(
        _("Period %(label)s is closed; its results are frozen and cannot be recomputed.")
        % {"label": period.label}
    )


@transaction.atomic
def period_recompute(*, period: Period, progress=None) -> int:
    """Recompute all results of an open period from the ledger. Returns the
    number of results rows written. `progress(done, total)` is called along
    (it must not use the database: the rows are streaming to it meanwhile)."""
    period = _lock_period(period.pk)
    if not period.is_open:
        raise _closed_error(period)
    return _recompute_locked(period, progress=progress)


@contextmanager
def _gc_paused():
    """The full pass creates millions of small tuples (no reference cycles);
    Python's cycle collector would walk them again and again (~35 % of the
    pass at a million partners). Paused for the duration, then restored."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _recompute_locked(period: Period, *, progress=None) -> int:
    with _gc_paused(), connection.cursor() as cursor:
        sql.tune_for_bulk(cursor)
        # The sums include exactly the queued entries read with them: consume
        # those; entries committed later stay queued for the task.
        volumes, pending = sql.period_volumes(cursor, period.pk)
        if pending:
            sql.pending_delete(cursor, pending)
        partners = sql.partners_bottom_up(cursor)
        scale = len(partners) + 1  # the pass, then the final merge
        pass_progress = (lambda done: progress(done, scale)) if progress else None
        plan = _plan()
        # Rows stream to the database while the pass computes the next ones
        # (no other query on this connection until the writer is closed).
        with sql.StatsWriter(cursor, period.pk, timezone.now()) as writer:
            full_pass(plan, volumes, partners, progress=pass_progress, sink=writer.write)
        if progress:
            progress(scale, scale)
    return writer.count


@transaction.atomic
def period_close(*, period: Period, closed_by=None) -> Period:
    """Final recompute, freeze, and raise title ranks (spec 4, 5)."""
    period = _lock_period(period.pk, exclusive=True)
    if not period.is_open:
        raise ValidationError(
            _("Period %(label)s is closed already (since %(date)s).")
            % {"label": period.label, "date": date_format(timezone.localtime(period.closed_at), "DATETIME_FORMAT")
               if period.closed_at else "?"}
        )
    ends_at = period_ends_at(period)
    if timezone.now() < ends_at:
        raise ValidationError(
            _("Period %(label)s has not ended yet; it can be closed from %(date)s on.")
            % {"label": period.label, "date": date_format(ends_at.date(), "DATE_FORMAT")}
        )
    earlier = Period.objects.filter(status=Period.Status.OPEN, start__lt=period.start).order_by("start").first()
    if earlier is not None:
        raise ValidationError(
            _("Period %(label)s cannot be closed while the earlier period %(earlier)s is open; "
              "periods close in calendar order.") % {"label": period.label, "earlier": earlier.label}
        )
    _recompute_locked(period)
    period.status = Period.Status.CLOSED
    period.closed_at = timezone.now()
    period.closed_by = closed_by
    period.plan = plan_dump()
    period.save(update_fields=["status", "closed_at", "closed_by", "plan"])
    # Commissions (downstream) compute the statements here, in this
    # transaction, from the final results and the title ranks before the raise.
    period_closing.send(sender=Period, period=period)
    with connection.cursor() as cursor:
        sql.titles_raise(cursor, period.pk, timezone.now())
    return period


def period_recompute_open_on_commit() -> None:
    """After the plan or the genealogy changed: recompute every open period
    once the transaction has committed (one task per period)."""

    def enqueue():
        from .tasks import recompute_period_task

        for period_id in Period.objects.filter(status=Period.Status.OPEN).values_list("pk", flat=True):
            recompute_period_task.delay(period_id)

    transaction.on_commit(enqueue, robust=True)


# --- Booking order events into the ledger --------------------------------------


class _ApplyAfterCommit:
    """One on_commit callback per transaction that enqueues one apply task per
    touched period, however many events the transaction booked (an import)."""

    def __init__(self):
        self.period_ids: set[int] = set()
        self.fired = False

    def __call__(self):
        self.fired = True
        from .tasks import apply_pending_volume

        for period_id in sorted(self.period_ids):
            try:
                apply_pending_volume.delay(period_id)
            except Exception:  # broker down: the periodic sweep applies it later
                logger.exception("Could not enqueue apply_pending_volume(%s)", period_id)


def _schedule_apply(period_ids: set[int]) -> None:
    conn = transaction.get_connection()
    if conn.in_atomic_block:
        # Django keeps pending callbacks in run_on_commit (dropping those of a
        # rolled-back savepoint), so a batch found there is alive.
        for _sids, func, _robust in conn.run_on_commit:
            if isinstance(func, _ApplyAfterCommit) and not func.fired:
                func.period_ids |= period_ids
                return
    batch = _ApplyAfterCommit()
    batch.period_ids |= period_ids
    transaction.on_commit(batch, robust=True)


def _open_or_current(period: Period) -> Period:
    return period if period.is_open else period_current_open()


@dataclass
class _Booking:
    period: Period
    partner_id: int | None
    kind: str
    qv: Decimal


def _kind_for(order: Order, partner) -> str:
    return Kind.OWN if order_is_own(order=order, partner=partner) else Kind.CUSTOMER


def _bookings_paid(event: OrderEvent, order: Order) -> list[_Booking]:
    period = _open_or_current(period_for(at=event.occurred_at))
    partner = order.attributed_partner
    return [_Booking(period, partner.pk if partner else None, _kind_for(order, partner), order.qv)]


def _bookings_refund(event: OrderEvent, order: Order, entries: list[VolumeEntry]) -> list[_Booking]:
    """Negative QV of what was refunded, for the order's current partner: into
    the period of the order's paid entry while open, else the current open period."""
    paid = next((e for e in entries if e.order_event.kind == OrderEvent.Kind.PAID), None)
    if paid is not None:
        period = _open_or_current(paid.period)
    else:
        period = _open_or_current(period_for(at=order.paid_at or event.occurred_at))
    partner = order.attributed_partner
    partner_id = partner.pk if partner else None
    # Take back the kind the volume was booked as (own/customer stays balanced).
    kind = next(
        (e.kind for e in reversed(entries) if e.partner_id == partner_id and e.qv > 0),
        None,
    ) or _kind_for(order, partner)
    return [_Booking(period, partner_id, kind, -event.refund.qv)]


def _bookings_reattribution(event: OrderEvent, order: Order, entries: list[VolumeEntry]) -> list[_Booking]:
    """Move the order's net volume from the old partner to the new one in every
    period it sits in (the current open period for closed ones)."""
    new_partner = event.attribution_change.to_partner if event.attribution_change_id else order.attributed_partner
    new_id = new_partner.pk if new_partner else None
    new_kind = _kind_for(order, new_partner)
    net: dict[tuple[int, int | None, str], Decimal] = defaultdict(Decimal)
    periods: dict[int, Period] = {}
    for e in entries:
        net[(e.period_id, e.partner_id, e.kind)] += e.qv
        periods[e.period_id] = e.period
    bookings = []
    for (period_id, partner_id, kind), qv in sorted(
        net.items(), key=lambda item: (periods[item[0][0]].start, item[0][1] or 0, item[0][2])
    ):
        if partner_id == new_id or not qv:
            continue
        period = _open_or_current(periods[period_id])
        bookings.append(_Booking(period, partner_id, kind, -qv))
        bookings.append(_Booking(period, new_id, new_kind, qv))
    return bookings


def _bookings_for(event: OrderEvent, order: Order) -> list[_Booking]:
    if event.kind == OrderEvent.Kind.PAID:
        return _bookings_paid(event, order)
    entries = list(
        VolumeEntry.objects.filter(order=order).select_related("order_event", "period").order_by("pk")
    )
    if event.kind == OrderEvent.Kind.REFUNDED:
        return _bookings_refund(event, order, entries)
    if event.kind == OrderEvent.Kind.REATTRIBUTED:
        return _bookings_reattribution(event, order, entries)
    return []


@transaction.atomic
def volume_book_order_event(*, event: OrderEvent) -> list[VolumeEntry]:
    """Append the ledger entries of one order event (spec 4) and queue them.

    Paid: +QV in the period of the paid time (company time zone), or in the
    current open period when that one is closed. Refunded: see
    _bookings_refund. Re-attributed: see _bookings_reattribution. The company's
    volume (no partner) is booked too, for completeness; results ignore it.
    Booking an event again changes nothing.
    """
    if VolumeEntry.objects.filter(order_event=event).exists():
        return []
    event = OrderEvent.objects.select_related("refund", "attribution_change__to_partner__user").get(pk=event.pk)
    order = Order.objects.select_related("customer", "attributed_partner__user").get(pk=event.order_id)
    for _attempt in range(5):
        bookings = _bookings_for(event, order)
        if not bookings:
            return []
        # Lock the target periods FOR KEY SHARE and re-read them: a close in
        # progress (FOR UPDATE) makes us wait and then shows "closed", so we
        # book elsewhere; a close that starts later waits for our commit. Apply
        # tasks (FOR NO KEY UPDATE) do not block this.
        if not sql.periods_lock_shared_all_open(connection.cursor(), {b.period.pk for b in bookings}):
            continue
        break
    else:  # pragma: no cover - periods closing five times in a row
        raise ValidationError(_("Could not book the volume: periods keep closing. Please retry."))
    try:
        with transaction.atomic():
            entries = VolumeEntry.objects.bulk_create(
                [
                    VolumeEntry(
                        order_event=event, line_no=i, order=order, period=b.period,
                        partner_id=b.partner_id, kind=b.kind, qv=b.qv,
                    )
                    for i, b in enumerate(bookings)
                ]
            )
            PendingVolume.objects.bulk_create([PendingVolume(entry=e, period_id=e.period_id) for e in entries])
    except IntegrityError:
        # Booked concurrently by someone else: the unique constraint decided.
        if VolumeEntry.objects.filter(order_event=event).exists():
            return []
        raise
    _schedule_apply({e.period_id for e in entries})
    return entries


# --- Applying the queue (the incremental path) -------------------------------


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
            rows = incremental_pass(
                _plan(), {p: (d[0], d[1]) for p, d in deltas.items()}, chains, current, children
            )
            sql.stats_upsert(cursor, period.pk, rows, timezone.now())
        sql.pending_delete(cursor, [row[0] for row in pending])
    return len(pending)


def volume_sweep(*, older_than: timedelta = timedelta(seconds=30)) -> int:
    """Apply queued entries whose task was lost (broker down after commit)."""
    from .selectors import pending_period_ids

    applied = 0
    for period in Period.objects.filter(pk__in=pending_period_ids(older_than=older_than)):
        applied += volume_apply_pending(period=period)
    return applied


def _plan() -> Plan:
    return Plan.from_rules(plan_from_ranks(Rank.objects.select_related("leg_rank")))


# --- Ranks and the plan ----------------------------------------------------------


def rank_validate(*, rank: Rank) -> None:
    """The rank rules of spec section 5, with messages an admin understands."""
    errors: dict[str, list[str]] = defaultdict(list)
    name = (rank.name or "").strip()
    label = name or _("this rank")
    if not name:
        errors["name"].append(_("Please give the rank a name."))
    else:
        same = Rank.objects.filter(name__iexact=name).exclude(pk=rank.pk).first()
        if same is not None:
            errors["name"].append(
                _("Another rank (level %(level)s) is already called “%(name)s”.") % {"level": same.level, "name": same.name}
            )
    if rank.level is None or rank.level < 1:
        errors["level"].append(_("The level must be a whole number of 1 or more (higher is better)."))
    else:
        other = Rank.objects.filter(level=rank.level).exclude(pk=rank.pk).first()
        if other is not None:
            errors["level"].append(
                _("Level %(level)s is already taken by rank “%(other)s”; each rank needs its own level.")
                % {"level": rank.level, "other": other.name}
            )
    for field, text in (("min_pv", _("minimum PV")), ("min_gv", _("minimum GV"))):
        value = getattr(rank, field)
        if value is None or value < 0:
            errors[field].append(_("The %(what)s cannot be negative.") % {"what": text})
    if rank.max_leg_percent is not None and not (0 <= rank.max_leg_percent <= 100):
        errors["max_leg_percent"].append(_("The share of one leg must be between 0 and 100 %."))
    legs = rank.min_qualified_legs or 0
    if legs < 0:
        errors["min_qualified_legs"].append(_("The number of qualified legs cannot be negative."))
    if legs > 0 and rank.leg_rank_id is None:
        errors["leg_rank"].append(
            _("Rank %(name)s needs a leg rank because it asks for %(legs)s qualified legs.")
            % {"name": label, "legs": legs}
        )
    if rank.leg_rank_id is not None and rank.pk is not None and rank.leg_rank_id == rank.pk:
        errors["leg_rank"].append(
            _("Rank %(name)s cannot ask for legs with its own rank; choose another (usually lower) rank.")
            % {"name": label}
        )
    if (
        not errors.get("min_pv") and not errors.get("min_gv")
        and rank.min_pv == 0 and rank.min_gv == 0 and legs == 0
    ):
        errors["min_pv"].append(
            _("Rank %(name)s asks for nothing: every partner would hold it even without any volume. "
              "Set a minimum PV or GV above 0, or qualified legs.") % {"name": label}
        )
    if errors:
        raise ValidationError(dict(errors))


@transaction.atomic
def rank_save(*, rank: Rank) -> Rank:
    """Validate and save a rank; the open periods are recomputed after commit."""
    rank.name = (rank.name or "").strip()
    rank_validate(rank=rank)
    rank.save()
    period_recompute_open_on_commit()
    return rank


@transaction.atomic
def rank_delete(*, rank: Rank) -> None:
    users = list(Rank.objects.filter(leg_rank=rank).exclude(pk=rank.pk).values_list("name", flat=True))
    if users:
        raise ValidationError(
            _("Rank %(name)s cannot be deleted: %(users)s asks for legs with it. Change that first.")
            % {"name": rank.name, "users": ", ".join(users)}
        )
    rank.delete()
    period_recompute_open_on_commit()


PLAN_RANK_KEYS = ("level", "name", "min_pv", "min_gv", "max_leg_percent", "min_qualified_legs", "leg_rank")


def _parse_decimal(value, *, allow_null: bool = False):
    if value is None and allow_null:
        return None, None
    if isinstance(value, bool) or not isinstance(value, str | int):
        return None, _('write it as a string with an exact decimal, e.g. "100" or "12.50"')
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        return None, _("“%(value)s” is not a decimal number") % {"value": value}
    if not number.is_finite():
        return None, _("“%(value)s” is not a decimal number") % {"value": value}
    if number != number.quantize(Decimal("0.01")):
        return None, _("at most two decimal places")
    return number, None


def plan_validate(*, data) -> list[dict]:
    """Check a plan file (data-exchange.md) completely. Returns the ranks as
    dicts of Python values; raises ValidationError listing every problem."""
    problems: list[str] = []
    if not isinstance(data, dict):
        raise ValidationError(_('The plan must be a JSON object like {"ranks": [...]}.'))
    unknown = sorted(set(data) - {"ranks"})
    if unknown:
        problems.append(_("Unknown keys at the top: %(keys)s (only “ranks” is allowed).") % {"keys": ", ".join(unknown)})
    raw_ranks = data.get("ranks")
    if not isinstance(raw_ranks, list):
        problems.append(_("“ranks” must be a list of ranks."))
        raise ValidationError(problems)
    ranks: list[dict] = []
    for index, raw in enumerate(raw_ranks, start=1):
        where = _("Rank %(n)s") % {"n": index}
        if not isinstance(raw, dict):
            problems.append(_("%(where)s: must be an object.") % {"where": where})
            continue
        if isinstance(raw.get("name"), str) and raw["name"].strip():
            where = _("Rank %(n)s (“%(name)s”)") % {"n": index, "name": raw["name"].strip()}
        unknown = sorted(set(raw) - set(PLAN_RANK_KEYS))
        missing = [k for k in PLAN_RANK_KEYS if k not in raw]
        if unknown:
            problems.append(_("%(where)s: unknown keys %(keys)s.") % {"where": where, "keys": ", ".join(unknown)})
        if missing:
            problems.append(_("%(where)s: missing keys %(keys)s.") % {"where": where, "keys": ", ".join(missing)})
        rank: dict = {}
        level = raw.get("level")
        if isinstance(level, bool) or not isinstance(level, int) or level < 1:
            problems.append(_("%(where)s: “level” must be a whole number of 1 or more.") % {"where": where})
        else:
            rank["level"] = level
        name = raw.get("name")
        if not isinstance(name, str) or not name.strip():
            problems.append(_("%(where)s: “name” must be a non-empty text.") % {"where": where})
        elif len(name.strip()) > 60:
            problems.append(_("%(where)s: “name” is longer than 60 characters.") % {"where": where})
        else:
            rank["name"] = name.strip()
        for key in ("min_pv", "min_gv", "max_leg_percent"):
            if key not in raw:
                continue
            number, error = _parse_decimal(raw[key], allow_null=key == "max_leg_percent")
            if error is None and number is not None:
                if number < 0:
                    error = _("cannot be negative")
                elif key == "max_leg_percent" and number > 100:
                    error = _("must be between 0 and 100")
                elif abs(number) >= Decimal("1e14"):
                    error = _("is too large")
            if error:
                problems.append(_("%(where)s: “%(key)s” %(error)s.") % {"where": where, "key": key, "error": error})
            else:
                rank[key] = number
        legs = raw.get("min_qualified_legs")
        if "min_qualified_legs" in raw:
            if isinstance(legs, bool) or not isinstance(legs, int) or legs < 0:
                problems.append(_("%(where)s: “min_qualified_legs” must be a whole number of 0 or more.") % {"where": where})
            else:
                rank["min_qualified_legs"] = legs
        leg_rank = raw.get("leg_rank")
        if leg_rank is not None and not isinstance(leg_rank, str):
            problems.append(_("%(where)s: “leg_rank” must be the name of another rank, or null.") % {"where": where})
        else:
            rank["leg_rank"] = leg_rank.strip() if isinstance(leg_rank, str) else None
        ranks.append(rank)

    names = [r["name"] for r in ranks if "name" in r]
    levels = [r["level"] for r in ranks if "level" in r]
    for value in sorted({n for n in names if names.count(n) > 1}):
        problems.append(_("The name “%(name)s” is used by more than one rank.") % {"name": value})
    for value in sorted({v for v in levels if levels.count(v) > 1}):
        problems.append(_("Level %(level)s is used by more than one rank.") % {"level": value})
    for rank in ranks:
        label = rank.get("name", "?")
        legs = rank.get("min_qualified_legs", 0)
        leg_rank = rank.get("leg_rank")
        if legs > 0 and not leg_rank:
            problems.append(
                _("Rank %(name)s needs a leg rank because it asks for %(legs)s qualified legs.")
                % {"name": label, "legs": legs}
            )
        if leg_rank:
            if leg_rank == rank.get("name"):
                problems.append(_("Rank %(name)s cannot ask for legs with its own rank.") % {"name": label})
            elif leg_rank not in names:
                problems.append(
                    _("Rank %(name)s asks for legs with “%(leg)s”, which is not a rank of this file.")
                    % {"name": label, "leg": leg_rank}
                )
        if (
            rank.get("min_pv") == 0 and rank.get("min_gv") == 0 and "min_qualified_legs" in rank and legs == 0
        ):
            problems.append(
                _("Rank %(name)s asks for nothing: every partner would hold it even without any volume. "
                  "Set a minimum PV or GV above 0, or qualified legs.") % {"name": label}
            )
    if problems:
        raise ValidationError(problems)
    return ranks


@transaction.atomic
def plan_load(*, data) -> dict[str, int]:
    """Make the stored plan equal to a plan file: ranks matched by level are
    updated, new ones added, missing ones removed. All or nothing. Results of
    closed periods keep their rank snapshots; open periods are recomputed after
    commit. Returns counts {"added", "updated", "removed"}."""
    ranks = plan_validate(data=data)
    existing = {r.level: r for r in Rank.objects.select_for_update().order_by("pk")}
    wanted = {r["level"] for r in ranks}
    # Free names and leg links first: names may move between levels and removed
    # ranks may still be someone's leg rank.
    Rank.objects.update(leg_rank=None, min_qualified_legs=0)
    removed = [r.pk for level, r in existing.items() if level not in wanted]
    Rank.objects.filter(pk__in=removed).delete()
    for rank in existing.values():
        if rank.level in wanted:
            Rank.objects.filter(pk=rank.pk).update(name=f"\u2063{rank.pk}")
    by_name: dict[str, Rank] = {}
    added = updated = 0
    for spec in sorted(ranks, key=lambda r: r["level"]):
        rank = existing.get(spec["level"])
        if rank is None:
            rank = Rank(level=spec["level"])
            added += 1
        else:
            updated += 1
        rank.name = spec["name"]
        rank.min_pv = spec["min_pv"]
        rank.min_gv = spec["min_gv"]
        rank.max_leg_percent = spec["max_leg_percent"]
        rank.min_qualified_legs = 0  # set with its leg rank below (a database check)
        rank.leg_rank = None
        rank.save()
        by_name[rank.name] = rank
    for spec in ranks:
        if spec["leg_rank"] or spec["min_qualified_legs"]:
            Rank.objects.filter(pk=by_name[spec["name"]].pk).update(
                min_qualified_legs=spec["min_qualified_legs"],
                leg_rank=by_name[spec["leg_rank"]] if spec["leg_rank"] else None,
            )
    period_recompute_open_on_commit()
    return {"added": added, "updated": updated, "removed": len(removed)}
