"""Spec section 4: which period an order's volume counts in, refunds, the
ledger, re-attribution, and the task that applies the queue."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from orders.models import Order
from orders.services import order_cancel, order_mark_paid, order_reattribute, order_refund
from qualification import services, tasks
from qualification.models import PartnerPeriodStats, PendingVolume, Period, VolumeEntry
from qualification.selectors import partner_stats
from qualification.services import period_close, period_for, period_recompute, volume_apply_pending
from tests.factories import CustomerFactory, PartnerFactory, UserFactory

from .conftest import D, berlin, make_order, results

pytestmark = pytest.mark.django_db

OCT = berlin(2026, 10, 10, 12, 0)


def pv(partner, period) -> Decimal:
    return partner_stats(partner=partner, period=period).pv


def test_paid_time_in_berlin_decides_the_period_even_at_2330_utc_on_31_october(committed):
    anna = PartnerFactory()
    late = make_order(anna, 50)
    with committed():
        order_mark_paid(
            order=late, paid_at=datetime(2026, 10, 31, 23, 30, tzinfo=UTC)
        )  # 00:30 on 1 Nov in Berlin
    early = make_order(anna, 20)
    with committed():
        order_mark_paid(
            order=early, paid_at=datetime(2026, 10, 31, 22, 30, tzinfo=UTC)
        )  # 23:30 on 31 Oct in Berlin

    october = Period.objects.get(start="2026-10-01")
    november = Period.objects.get(start="2026-11-01")
    assert pv(anna, october) == D(20)
    assert pv(anna, november) == D(50)


def test_pending_and_cancelled_orders_count_nothing(committed):
    anna = PartnerFactory()
    make_order(anna, 100)
    cancelled = make_order(anna, 200)
    with committed():
        order_cancel(order=cancelled)

    assert not VolumeEntry.objects.exists()
    assert not PartnerPeriodStats.objects.exists()


def test_paying_books_one_ledger_entry_and_the_task_updates_the_partner_and_upline(committed):
    anna = PartnerFactory()
    ben = PartnerFactory(sponsor=anna)
    order = make_order(ben, "12.50", quantity=2)
    with committed():
        order_mark_paid(order=order, paid_at=OCT)

    entry = VolumeEntry.objects.get()
    assert (entry.partner, entry.qv, entry.kind) == (ben, D(25), VolumeEntry.Kind.CUSTOMER)
    assert not PendingVolume.objects.exists()
    october = entry.period
    assert partner_stats(partner=ben, period=october).gv == D(25)
    assert partner_stats(partner=anna, period=october).gv == D(25)
    assert pv(anna, october) == 0


def test_volume_is_queued_until_the_task_runs_after_commit():
    anna = PartnerFactory()
    order = make_order(anna, 80)
    order_mark_paid(order=order, paid_at=OCT)  # the test transaction never commits

    october = Period.objects.get(start="2026-10-01")
    assert PendingVolume.objects.count() == 1
    assert pv(anna, october) == 0
    assert volume_apply_pending(period=october) == 1
    assert pv(anna, october) == D(80)


def test_refund_within_the_open_period_takes_the_volume_back(committed, paid_order):
    anna = PartnerFactory()
    order = paid_order(anna, 100, at=OCT)
    with committed():
        order_refund(order=order)

    october = period_for(at=OCT)
    assert pv(anna, october) == 0
    assert list(VolumeEntry.objects.filter(period=october).values_list("qv", flat=True)) == [
        D(100),
        D(-100),
    ]


def test_partial_refund_takes_back_only_the_refunded_quantity(committed):
    anna = PartnerFactory()
    order = make_order(anna, 30, quantity=3)
    with committed():
        order_mark_paid(order=order, paid_at=OCT)
        order_refund(order=order, quantities={order.lines.get().pk: 2})

    assert pv(anna, period_for(at=OCT)) == D(30)


def test_refund_after_close_books_into_the_current_open_period_and_may_leave_negative_pv(
    committed, paid_order
):
    anna = PartnerFactory()
    order = paid_order(anna, 100, at=OCT)
    october = period_for(at=OCT)
    period_close(period=october)

    with committed():
        order_refund(order=order)

    current = services.period_current_open()
    assert current != october and current.is_open
    assert pv(anna, october) == D(100)  # frozen
    assert pv(anna, current) == D(-100)  # negative PV after a late refund is allowed
    assert partner_stats(partner=anna, period=current).gv == D(-100)


def test_paid_time_in_a_closed_period_books_into_the_current_open_period(committed, paid_order):
    anna = PartnerFactory()
    paid_order(anna, 10, at=OCT)
    october = period_for(at=OCT)
    period_close(period=october)

    paid_order(anna, 70, at=berlin(2026, 10, 20, 9, 0))  # a late bank transfer dated in October

    assert pv(anna, october) == D(10)
    assert pv(anna, services.period_current_open()) == D(70)


def test_customer_volume_and_own_volume_are_kept_apart(committed):
    anna = PartnerFactory()
    own = make_order(anna, 40, own=True)
    customer = make_order(anna, 60)
    with committed():
        order_mark_paid(order=own, paid_at=OCT)
        order_mark_paid(order=customer, paid_at=OCT)

    stats = partner_stats(partner=anna, period=period_for(at=OCT))
    assert (stats.pv, stats.customer_pv, stats.own_pv) == (D(100), D(60), D(40))


def test_refund_of_an_own_order_takes_back_own_volume(committed, paid_order):
    anna = PartnerFactory()
    order = make_order(anna, 40, own=True)
    with committed():
        order_mark_paid(order=order, paid_at=OCT)
        order_refund(order=order)

    stats = partner_stats(partner=anna, period=period_for(at=OCT))
    assert (stats.pv, stats.customer_pv, stats.own_pv) == (0, 0, 0)


def test_company_orders_are_in_the_ledger_but_count_for_no_partner(committed, paid_order):
    anna = PartnerFactory()
    paid_order(None, 90, at=OCT)

    entry = VolumeEntry.objects.get()
    assert entry.partner is None and entry.qv == D(90)
    assert not PendingVolume.objects.exists()
    assert pv(anna, period_for(at=OCT)) == 0


def test_booking_the_same_event_again_changes_nothing(committed, paid_order):
    anna = PartnerFactory()
    order = paid_order(anna, 100, at=OCT)
    event = order.events.get()

    with committed():
        assert services.volume_book_order_event(event=event) == []

    assert VolumeEntry.objects.count() == 1
    assert pv(anna, period_for(at=OCT)) == D(100)


def test_running_the_apply_task_again_changes_nothing(committed, paid_order):
    anna = PartnerFactory()
    ben = PartnerFactory(sponsor=anna)
    paid_order(ben, 100, at=OCT)
    october = period_for(at=OCT)
    before = results(october)

    assert tasks.apply_pending_volume(october.pk) == 0
    assert tasks.apply_pending_volume.apply(args=[october.pk]).get() == 0
    assert results(october) == before


def test_one_transaction_enqueues_one_apply_task_per_period(committed, monkeypatch):
    calls = []
    monkeypatch.setattr(
        tasks.apply_pending_volume, "delay", lambda period_id: calls.append(period_id)
    )
    anna = PartnerFactory()
    orders = [make_order(anna, 10) for _ in range(5)]
    with committed():
        for order in orders[:4]:
            order_mark_paid(order=order, paid_at=OCT)
        order_mark_paid(order=orders[4], paid_at=berlin(2026, 9, 3, 12, 0))

    assert sorted(calls) == sorted([period_for(at=OCT).pk, period_for(at=berlin(2026, 9, 3)).pk])


def test_a_rolled_back_booking_enqueues_nothing_and_the_next_one_still_does(committed, monkeypatch):
    from django.db import transaction

    calls = []
    monkeypatch.setattr(
        tasks.apply_pending_volume, "delay", lambda period_id: calls.append(period_id)
    )
    anna = PartnerFactory()
    first, second = make_order(anna, 10), make_order(anna, 20)
    with committed():
        with pytest.raises(RuntimeError), transaction.atomic():
            order_mark_paid(order=first, paid_at=OCT)
            raise RuntimeError("payment provider said no")
        order_mark_paid(order=second, paid_at=OCT)

    assert calls == [period_for(at=OCT).pk]
    assert VolumeEntry.objects.get().qv == D(20)


def test_periods_of_a_rolled_back_booking_are_not_enqueued_with_the_next_commit(
    committed, monkeypatch
):
    from django.db import transaction

    calls = []
    monkeypatch.setattr(
        tasks.apply_pending_volume, "delay", lambda period_id: calls.append(period_id)
    )
    anna = PartnerFactory()
    first, second = make_order(anna, 10), make_order(anna, 20)
    with pytest.raises(RuntimeError), transaction.atomic():
        order_mark_paid(order=first, paid_at=berlin(2026, 9, 3, 12, 0))
        raise RuntimeError("payment provider said no")
    with committed():
        order_mark_paid(order=second, paid_at=OCT)

    assert calls == [period_for(at=OCT).pk]


def test_the_sweep_applies_entries_whose_task_was_lost(monkeypatch):
    anna = PartnerFactory()
    order = make_order(anna, 55)
    order_mark_paid(order=order, paid_at=OCT)  # never committed: no task ran
    october = period_for(at=OCT)
    assert tasks.sweep_pending_volume() == 0  # too fresh: its task may still be on the way

    PendingVolume.objects.update(created_at=timezone.now() - timedelta(minutes=2))
    assert tasks.sweep_pending_volume() == 1
    assert pv(anna, october) == D(55)
    assert not PendingVolume.objects.exists()


def test_reattribution_moves_the_volume_in_every_period_it_touches_and_is_logged(
    committed, paid_order
):
    anna = PartnerFactory()
    ben = PartnerFactory(sponsor=anna)
    clara = PartnerFactory(sponsor=anna)
    admin = UserFactory(is_staff=True)
    order = make_order(ben, 10, quantity=10)
    september = berlin(2026, 9, 15, 12)
    with committed():
        order_mark_paid(order=order, paid_at=september)
        order_refund(order=order, quantities={order.lines.get().pk: 3})  # still September, open
    with committed():
        change = order_reattribute(
            order=order, partner=clara, changed_by=admin, reason="customer asked"
        )

    sep = period_for(at=september)
    assert (pv(ben, sep), pv(clara, sep), partner_stats(partner=anna, period=sep).gv) == (
        0,
        D(70),
        D(70),
    )
    assert change.from_partner == ben and change.to_partner == clara and change.changed_by == admin
    assert change.reason == "customer asked"
    # later refunds follow the order to its new partner
    with committed():
        order_refund(order=order, quantities={order.lines.get().pk: 2})
    assert pv(clara, sep) == D(50)


def test_reattribution_of_volume_in_a_closed_period_moves_it_in_the_current_open_period(
    committed, paid_order
):
    anna = PartnerFactory()
    ben = PartnerFactory()
    order = paid_order(anna, 100, at=OCT)
    october = period_for(at=OCT)
    period_close(period=october)

    with committed():
        order_reattribute(order=order, partner=ben, changed_by=None, reason="wrong code")

    current = services.period_current_open()
    assert (pv(anna, october), pv(ben, october)) == (D(100), 0)
    assert (pv(anna, current), pv(ben, current)) == (D(-100), D(100))


def test_reattribution_to_the_partner_themselves_turns_customer_volume_into_own_volume(
    committed, paid_order
):
    anna = PartnerFactory()
    ben = PartnerFactory()
    order = make_order(ben, 40, customer=CustomerFactory(email=anna.user.email))
    with committed():
        order_mark_paid(order=order, paid_at=OCT)
        order_reattribute(order=order, partner=anna, changed_by=None, reason="her own order")

    october = period_for(at=OCT)
    stats = partner_stats(partner=anna, period=october)
    assert (stats.customer_pv, stats.own_pv) == (0, D(40))
    assert Order.objects.get(pk=order.pk).attribution == Order.Attribution.SELF


def test_reattributing_a_refunded_order_moves_nothing(committed, paid_order):
    anna, ben = PartnerFactory(), PartnerFactory()
    order = paid_order(anna, 100, at=OCT)
    with committed():
        order_refund(order=order)
        order_reattribute(order=order, partner=ben, changed_by=None, reason="late correction")

    october = period_for(at=OCT)
    assert VolumeEntry.objects.filter(order_event__kind="reattributed").count() == 0
    assert pv(anna, october) == 0 and pv(ben, october) == 0


def test_incremental_results_equal_a_full_recompute_after_mixed_events(committed, paid_order):
    anna = PartnerFactory()
    ben = PartnerFactory(sponsor=anna)
    dora = PartnerFactory(sponsor=ben)
    first = paid_order(dora, 300, at=OCT)
    paid_order(ben, 120, at=OCT)
    paid_order(anna, 160, at=OCT)
    with committed():
        order_refund(order=first)
        order_reattribute(
            order=paid_order(dora, 45, at=OCT), partner=anna, changed_by=None, reason="x"
        )
    october = period_for(at=OCT)
    incremental = results(october)

    period_recompute(period=october)

    assert results(october) == incremental
    assert incremental[anna.pk][3] == D(325)  # GV: 160 + 45 + 120
