"""Every transition of qualification.md section 2 (illegal ones: test_status_machine.py)."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from orders.models import Order, OrderEvent, Refund
from orders.services import (
    order_cancel,
    order_mark_paid,
    order_reattribute,
    order_refund,
    order_ship,
)

pytestmark = pytest.mark.django_db
S = Order.Status


@pytest.fixture
def order(place, soap, cream):
    return place(lines={soap.pk: 2, cream.pk: 1})  # 25.00 + 29.90, free shipping


def history(order):
    return list(order.transitions.values_list("from_status", "to_status"))


def test_pending_to_paid_to_shipped_to_refunded(order):
    order_mark_paid(order=order, payment_reference="bank 4711")
    order_ship(order=order)
    order_refund(order=order)
    order.refresh_from_db()
    assert order.status == S.REFUNDED
    assert order.paid_at and order.shipped_at and order.refunded_at
    assert history(order) == [
        ("", "pending"),
        ("pending", "paid"),
        ("paid", "shipped"),
        ("shipped", "refunded"),
    ]
    assert list(OrderEvent.objects.filter(order=order).values_list("kind", flat=True)) == [
        "paid",
        "refunded",
    ]


def test_paid_to_refunded_without_shipping(order):
    order_mark_paid(order=order)
    refund = order_refund(order=order, reason="returned")
    order.refresh_from_db()
    assert order.status == S.REFUNDED
    assert refund.is_full and refund.amount == order.total and refund.qv == order.qv


def test_pending_to_cancelled_counts_nothing(order):
    order_cancel(order=order, reason="customer asked")
    order.refresh_from_db()
    assert order.status == S.CANCELLED and order.cancelled_at
    assert not OrderEvent.objects.filter(order=order).exists()


@pytest.mark.parametrize(
    "steps, illegal",
    [
        ([order_cancel], order_ship),
        ([order_cancel], order_refund),
        ([order_cancel], order_cancel),
        ([order_mark_paid, order_ship], order_cancel),
        ([order_mark_paid, order_ship], order_mark_paid),
        ([order_mark_paid, order_ship], order_ship),
        ([order_mark_paid, order_refund], order_refund),
        ([order_mark_paid, order_refund], order_cancel),
    ],
)
def test_other_illegal_transitions_are_refused_and_change_nothing(order, steps, illegal):
    for step in steps:
        step(order=order)
    order.refresh_from_db()
    before = (order.status, order.transitions.count(), OrderEvent.objects.count())
    with pytest.raises(ValidationError) as excinfo:
        illegal(order=order)
    assert order.number in " ".join(excinfo.value.messages)
    order.refresh_from_db()
    assert (order.status, order.transitions.count(), OrderEvent.objects.count()) == before


def test_partial_refunds_of_chosen_lines_then_the_rest(order, soap, cream):
    order_mark_paid(order=order)
    order_ship(order=order)
    soap_line, cream_line = order.lines.get(product=soap), order.lines.get(product=cream)

    first = order_refund(order=order, quantities={soap_line.pk: 1})
    order.refresh_from_db()
    assert order.status == S.SHIPPED
    assert (first.amount, first.qv, first.is_full) == (Decimal("12.50"), Decimal("10.00"), False)

    second = order_refund(order=order, quantities={cream_line.pk: 1})
    assert (second.amount, second.qv) == (Decimal("29.90"), Decimal("25.00"))

    last = order_refund(order=order)  # whatever is left
    order.refresh_from_db()
    assert order.status == S.REFUNDED and last.is_full
    assert sum(r.amount for r in Refund.objects.filter(order=order)) == order.total
    assert sum(r.qv for r in Refund.objects.filter(order=order)) == order.qv
    assert OrderEvent.objects.filter(order=order, kind="refunded").count() == 3


def test_shipping_fee_is_refunded_with_the_last_item(place, soap, settings):
    settings.SHIPPING_FLAT_FEE, settings.SHIPPING_FREE_FROM = Decimal("4.90"), Decimal("50.00")
    order = place(lines={soap.pk: 2})
    order_mark_paid(order=order)
    line = order.lines.get()
    assert order_refund(order=order, quantities={line.pk: 1}).amount == Decimal("12.50")
    assert order_refund(order=order, quantities={line.pk: 1}).amount == Decimal(
        "17.40"
    )  # 12.50 + 4.90


def test_refunding_more_than_bought_or_foreign_lines_is_refused(order, place, soap):
    order_mark_paid(order=order)
    line = order.lines.get(product=soap)
    other = place(email="x@example.org").lines.get()
    for quantities in ({line.pk: 3}, {line.pk: 0}, {other.pk: 1}):
        with pytest.raises(ValidationError):
            order_refund(order=order, quantities=quantities)
    assert not Refund.objects.exists()


def test_reattribution_is_logged_and_emits_an_event(order, partner, admin_user):
    change = order_reattribute(
        order=order, partner=partner, changed_by=admin_user, reason="Ticket 42"
    )
    order.refresh_from_db()
    assert (order.attributed_partner, order.attribution) == (partner, Order.Attribution.ADMIN)
    assert (change.from_partner, change.to_partner, change.changed_by, change.reason) == (
        None,
        partner,
        admin_user,
        "Ticket 42",
    )
    assert OrderEvent.objects.get(order=order).kind == "reattributed"


def test_reattribution_needs_a_reason(order, partner, admin_user):
    with pytest.raises(ValidationError):
        order_reattribute(order=order, partner=partner, changed_by=admin_user, reason="  ")
