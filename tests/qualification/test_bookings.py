"""order_event_bookings: what an order event books, decided from plain values
(the one function the live receiver and the order importer share)."""

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from qualification.bookings import Booking, Posted, Volume, order_event_bookings

BERLIN = ZoneInfo("Europe/Berlin")


@dataclass(frozen=True)
class FakePeriod:
    pk: int
    start: date
    is_open: bool = True


OCT, NOV, DEC = (
    FakePeriod(10, date(2026, 10, 1)),
    FakePeriod(11, date(2026, 11, 1)),
    FakePeriod(12, date(2026, 12, 1)),
)


class Periods:
    """October (closed unless told), November, December; closed volume goes to December."""

    def __init__(self, closed=()):
        self.closed = set(closed)

    def at(self, when):
        return {10: OCT, 11: NOV, 12: DEC}[when.astimezone(BERLIN).month]

    def open_or_current(self, period):
        return DEC if period.pk in self.closed else period


def V(qv) -> Volume:
    return Volume(qv=Decimal(str(qv)))


def at(month, day=15):
    return datetime(2026, month, day, 12, tzinfo=BERLIN)


def test_a_payment_books_the_order_volume_for_its_partner_in_the_month_paid():
    bookings = order_event_bookings(
        event_kind="paid",
        occurred_at=at(11),
        partner_id=7,
        own=False,
        order_volume=V(100),
        periods=Periods(),
    )
    assert bookings == [Booking(NOV, 7, "customer", V(100))]


def test_a_partners_own_order_books_own_volume():
    [booking] = order_event_bookings(
        event_kind="paid",
        occurred_at=at(11),
        partner_id=7,
        own=True,
        order_volume=V(40),
        periods=Periods(),
    )
    assert booking.kind == "own"


def test_a_payment_in_a_closed_month_goes_to_the_current_open_period():
    [booking] = order_event_bookings(
        event_kind="paid",
        occurred_at=at(10),
        partner_id=7,
        own=False,
        order_volume=V(100),
        periods=Periods(closed={10}),
    )
    assert booking.period == DEC


def test_a_refund_takes_back_in_the_month_of_the_payment_with_the_kind_it_was_booked_as():
    # booked as own volume; the order counts as customer volume now (e-mail changed)
    posted = [Posted(OCT, 7, "own", V(100), True)]
    [booking] = order_event_bookings(
        event_kind="refunded",
        occurred_at=at(11),
        partner_id=7,
        own=False,
        order_volume=V(100),
        order_paid_at=at(10),
        refund_volume=V(30),
        posted=posted,
        periods=Periods(),
    )
    assert booking == Booking(OCT, 7, "own", V(-30))


def test_a_refund_after_the_close_goes_to_the_current_open_period():
    posted = [Posted(OCT, 7, "customer", V(100), True)]
    [booking] = order_event_bookings(
        event_kind="refunded",
        occurred_at=at(12),
        partner_id=7,
        own=False,
        order_volume=V(100),
        order_paid_at=at(10),
        refund_volume=V(100),
        posted=posted,
        periods=Periods(closed={10}),
    )
    assert booking == Booking(DEC, 7, "customer", V(-100))


def test_a_reattribution_moves_the_net_volume_per_period_to_the_new_partner():
    posted = [
        Posted(OCT, 7, "customer", V(100), True),
        Posted(OCT, 7, "customer", V(-30), False),
        Posted(NOV, 8, "customer", V(5), False),
    ]
    bookings = order_event_bookings(
        event_kind="reattributed",
        occurred_at=at(11),
        partner_id=9,
        own=True,
        order_volume=V(100),
        posted=posted,
        periods=Periods(),
    )
    assert bookings == [
        Booking(OCT, 7, "customer", V(-70)),
        Booking(OCT, 9, "own", V(70)),
        Booking(NOV, 8, "customer", V(-5)),
        Booking(NOV, 9, "own", V(5)),
    ]


def test_a_reattribution_of_fully_refunded_volume_books_nothing():
    posted = [Posted(OCT, 7, "customer", V(100), True), Posted(OCT, 7, "customer", V(-100), False)]
    assert (
        order_event_bookings(
            event_kind="reattributed",
            occurred_at=at(11),
            partner_id=9,
            own=False,
            order_volume=V(100),
            posted=posted,
            periods=Periods(),
        )
        == []
    )


def test_volume_arithmetic_and_the_entry_columns_it_fills():
    assert V(10) + V("2.50") == V("12.50")
    assert -V(3) == V(-3)
    assert not Volume() and V(1)
    assert V(1).is_credit() and not V(-1).is_credit()
    assert (
        dict(zip(Volume.FIELDS, V(4).values(), strict=True))
        == V(4).fields()
        == {"qv": Decimal(4), "cv": 0}
    )
    # CV travels with QV under the same rules (commissions.md 1).
    with_cv = Volume(qv=Decimal(4), cv=Decimal("3.36"))
    assert -with_cv == Volume(qv=Decimal(-4), cv=Decimal("-3.36"))
    assert with_cv + with_cv == Volume(qv=Decimal(8), cv=Decimal("6.72"))
    assert Volume(cv=Decimal("1")) and Volume(cv=Decimal("1")).is_credit()
