from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from orders.models import Order, OrderEvent
from orders.services import order_cancel, order_mark_paid, order_refund, order_ship
from tests.factories import OrderFactory

pytestmark = pytest.mark.django_db


def test_paying_a_pending_order_records_a_paid_event():
    order = OrderFactory()
    order = order_mark_paid(order=order)
    assert order.status == Order.Status.PAID and order.paid_at is not None
    assert list(OrderEvent.objects.filter(order=order).values_list("key", flat=True)) == ["paid"]


@pytest.mark.parametrize(
    "steps, illegal",
    [
        ([], order_ship),  # pending -> shipped
        ([], order_refund),  # pending -> refunded
        ([order_cancel], order_mark_paid),  # cancelled -> paid
        ([order_mark_paid], order_cancel),  # paid -> cancelled
        ([order_mark_paid], order_mark_paid),  # paid twice
        ([order_mark_paid, order_refund], order_ship),  # refunded -> shipped
    ],
)
def test_illegal_transitions_are_refused_with_a_clear_error(steps, illegal):
    order = OrderFactory()
    for step in steps:
        step(order=order)
    order.refresh_from_db()
    status_before = order.status
    with pytest.raises(ValidationError) as excinfo:
        illegal(order=order)
    assert order.number in str(excinfo.value)
    order.refresh_from_db()
    assert order.status == status_before


def test_partial_refund_keeps_the_order_paid_until_everything_is_refunded():
    order = OrderFactory(qv_total=Decimal("10"), price_total=Decimal("20.00"))
    line = order.lines.get()
    line.quantity = 3
    line.save()
    order_mark_paid(order=order)
    refund = order_refund(order=order, quantities={line.pk: 2})
    order.refresh_from_db()
    assert order.status == Order.Status.PAID
    assert refund.qv == Decimal("20") and not refund.is_full
    with pytest.raises(ValidationError, match="only 1 of 3"):
        order_refund(order=order, quantities={line.pk: 2})
    order_refund(order=order, quantities={line.pk: 1})
    order.refresh_from_db()
    assert order.status == Order.Status.REFUNDED
    assert OrderEvent.objects.filter(order=order, kind=OrderEvent.Kind.REFUNDED).count() == 2
