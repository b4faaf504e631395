"""The pure halves of order_place and order_refund: checked and computed, nothing written."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from orders.models import Customer, Order, OrderLine
from orders.services import order_prepare, refund_prepare
from tests.factories import PartnerFactory

from .conftest import CUSTOMER


def paid_order(*line_specs, total="60.00"):
    """An unsaved paid order and its lines by id: (price, qv, quantity, refunded)."""
    order = Order(number="2026-TEST01", status=Order.Status.PAID, total=Decimal(total))
    lines = {}
    for pk, (price, qv, qty, refunded) in enumerate(line_specs, start=1):
        lines[pk] = OrderLine(
            pk=pk,
            name=f"P{pk}",
            unit_price=Decimal(price),
            unit_qv=Decimal(qv),
            quantity=qty,
            refunded_quantity=refunded,
        )
    return order, lines


def test_a_partial_refund_adds_up_the_chosen_quantities():
    order, lines = paid_order(("10.00", "8", 3, 0), ("20.00", "15", 1, 0))
    draft = refund_prepare(order=order, lines=lines, quantities={1: 2})
    assert (draft.amount, draft.qv, draft.is_full) == (Decimal("20.00"), Decimal("16"), False)


def test_the_last_refund_gives_back_the_rest_of_the_total_with_shipping():
    order, lines = paid_order(("10.00", "8", 3, 2), ("20.00", "15", 1, 1), total="54.90")
    draft = refund_prepare(order=order, lines=lines, refunded_amount=Decimal("40.00"))
    assert draft.quantities == {1: 1}
    assert (draft.amount, draft.qv, draft.is_full) == (Decimal("14.90"), Decimal("8"), True)


def test_a_refund_names_every_problem_at_once():
    order, lines = paid_order(("10.00", "8", 3, 2))
    with pytest.raises(ValidationError) as info:
        refund_prepare(order=order, lines=lines, quantities={1: 2, 99: 1})
    assert any("only 1 of 3" in m for m in info.value.messages)
    assert any("does not belong" in m for m in info.value.messages)


def test_only_paid_or_shipped_orders_can_be_refunded():
    order, lines = paid_order(("10.00", "8", 1, 0))
    order.status = Order.Status.PENDING
    with pytest.raises(ValidationError, match="Only paid or shipped"):
        refund_prepare(order=order, lines=lines)


@pytest.mark.django_db
def test_preparing_an_order_computes_it_and_writes_nothing(soap, cream):
    anna = PartnerFactory(slug="anna")
    draft = order_prepare(
        cart_lines={cream.pk: 1, soap.pk: 2}, customer_data={**CUSTOMER, "partner_code": "Anna"}
    )
    assert [(line.name, line.quantity) for line in draft.lines] == [("Seife", 2), (cream.name, 1)]
    assert draft.qv == 2 * soap.qv + cream.qv
    assert draft.totals.subtotal == 2 * soap.price + cream.price
    assert (draft.partner, draft.attribution) == (anna, Order.Attribution.CODE)
    assert not Order.objects.exists() and not Customer.objects.exists()


@pytest.mark.django_db
def test_preparing_a_bad_checkout_says_what_is_wrong_per_field(soap):
    with pytest.raises(ValidationError) as info:
        order_prepare(cart_lines={}, customer_data={**CUSTOMER, "partner_code": "ghost"})
    assert {"partner_code", "cart"} <= set(info.value.message_dict)
