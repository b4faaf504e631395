"""What an order event books into the volume ledger (spec 4), as one pure function.

`order_event_bookings` decides, from plain values, which ledger lines an order
event ("paid", "refunded", "re-attributed") appends: period, partner, kind (own
or customer volume) and amounts. The live receiver
(services/booking.py: volume_book_order_event) and the order importer
(dataexchange.py) both call it; they differ only in how they read their inputs
and write the result (one transaction per event vs. COPY in chunks).

The amounts an entry carries are a `Volume`. Every sum, negation and sign test
of booking happens on it, so an amount added beside QV (e.g. a commission
volume) is added in this class only: its field, its constructors, its
arithmetic. `Volume.FIELDS` are the VolumeEntry columns it fills.

Periods come from a resolver (`PeriodResolver`): the live one creates periods
and sends volume of a closed period to the current open one; the importer's
is a dictionary of the (open) periods it checked.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, ClassVar, Protocol

from orders.models import OrderEvent

from .models import VolumeEntry

ZERO = Decimal("0")
OWN, CUSTOMER = VolumeEntry.Kind.OWN.value, VolumeEntry.Kind.CUSTOMER.value
PAID, REFUNDED, REATTRIBUTED = (
    OrderEvent.Kind.PAID.value,
    OrderEvent.Kind.REFUNDED.value,
    OrderEvent.Kind.REATTRIBUTED.value,
)


@dataclass(frozen=True, slots=True)
class Volume:
    """The amounts of one ledger entry (or of an order, or a refund): QV and
    the commissionable value CV (commissions.md 1), with the same rules."""

    qv: Decimal = ZERO
    cv: Decimal = ZERO

    FIELDS: ClassVar[tuple[str, ...]] = ("qv", "cv")

    @classmethod
    def of(cls, source: Any) -> Volume:
        """The volume of anything that carries the amounts as attributes: an
        Order (its total), a Refund (what it takes back), a VolumeEntry."""
        return cls(qv=source.qv, cv=source.cv)

    def values(self) -> tuple:
        """The amounts in FIELDS order (a row for COPY)."""
        return (self.qv, self.cv)

    def fields(self) -> dict[str, Decimal]:
        """The amounts as VolumeEntry keyword arguments."""
        return {"qv": self.qv, "cv": self.cv}

    def __neg__(self) -> Volume:
        return Volume(qv=-self.qv, cv=-self.cv)

    def __add__(self, other: Volume) -> Volume:
        return Volume(qv=self.qv + other.qv, cv=self.cv + other.cv)

    def __bool__(self) -> bool:
        return bool(self.qv or self.cv)

    def is_credit(self) -> bool:
        """Adds volume (a payment), as opposed to taking it back."""
        return self.qv > 0 or (self.qv == 0 and self.cv > 0)


class PeriodResolver(Protocol):
    """Periods have `.pk` and `.start`."""

    def at(self, when: datetime) -> Any:
        """The period containing `when` (company time zone)."""

    def open_or_current(self, period: Any) -> Any:
        """`period` while it is open, else the period volume goes to now."""


@dataclass(frozen=True, slots=True)
class Booking:
    """One ledger line to append."""

    period: Any
    partner_id: int | None
    kind: str
    volume: Volume


@dataclass(frozen=True, slots=True)
class Posted:
    """A ledger line already booked for the order."""

    period: Any
    partner_id: int | None
    kind: str
    volume: Volume
    by_payment: bool  # booked for the order's "paid" event


def _kind(own: bool) -> str:
    return OWN if own else CUSTOMER


def order_event_bookings(
    *,
    event_kind: str,
    occurred_at: datetime,
    partner_id: int | None,
    own: bool,
    order_volume: Volume,
    order_paid_at: datetime | None = None,
    refund_volume: Volume | None = None,
    posted: Sequence[Posted] = (),
    periods: PeriodResolver,
) -> list[Booking]:
    """The ledger lines of one order event, in order.

    partner_id: the partner the event books for (the order's partner; for a
    re-attribution the new one), None for the company. own: whether the order
    is that partner's own (orders.attribution.order_is_own_for). posted: the
    order's ledger lines so far, oldest first (not needed for "paid").

    - paid: +the order's volume in the period of the payment (or the current
      open period when that one is closed).
    - refunded: -the refunded volume for the order's partner, in the period of
      the order's payment entry while open (else the current open period),
      with the kind the volume was booked as, so own/customer stays balanced.
    - re-attributed: the order's net volume moves from every other partner to
      the new one, in every period it sits in (the current open period for
      closed ones).
    """
    if event_kind == PAID:
        period = periods.open_or_current(periods.at(occurred_at))
        return [Booking(period, partner_id, _kind(own), order_volume)]
    if event_kind == REFUNDED:
        paid = next((p for p in posted if p.by_payment), None)
        if paid is not None:
            period = periods.open_or_current(paid.period)
        else:
            period = periods.open_or_current(periods.at(order_paid_at or occurred_at))
        kind = next(
            (
                p.kind
                for p in reversed(posted)
                if p.partner_id == partner_id and p.volume.is_credit()
            ),
            None,
        ) or _kind(own)
        return [Booking(period, partner_id, kind, -(refund_volume or Volume()))]
    if event_kind == REATTRIBUTED:
        net: dict[tuple[int, int | None, str], Volume] = defaultdict(Volume)
        by_pk: dict[int, Any] = {}
        for p in posted:
            net[(p.period.pk, p.partner_id, p.kind)] += p.volume
            by_pk[p.period.pk] = p.period
        bookings = []
        for (period_pk, old_partner_id, kind), volume in sorted(
            net.items(), key=lambda item: (by_pk[item[0][0]].start, item[0][1] or 0, item[0][2])
        ):
            if old_partner_id == partner_id or not volume:
                continue
            period = periods.open_or_current(by_pk[period_pk])
            bookings.append(Booking(period, old_partner_id, kind, -volume))
            bookings.append(Booking(period, partner_id, _kind(own), volume))
        return bookings
    return []
