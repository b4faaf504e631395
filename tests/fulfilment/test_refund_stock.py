"""A refund of goods that never left the warehouse puts them back in stock (once);
goods in a parcel come back only through a return."""

import pytest

from fulfilment.services import shipment_create
from orders.models import Product
from orders.services import order_refund
from returns.models import Return
from returns.services import return_open, return_receive

pytestmark = pytest.mark.django_db


def stock(product):
    return Product.objects.values_list("stock", flat=True).get(pk=product.pk)


@pytest.fixture
def tracked(soap, cream):
    Product.objects.filter(pk__in=[soap.pk, cream.pk]).update(stock=10)


def test_a_full_refund_before_shipping_gives_the_reserved_stock_back(
    tracked, paid_order, soap, cream
):
    order = paid_order(soap_qty=2, cream_qty=1)
    assert (stock(soap), stock(cream)) == (8, 9)
    order_refund(order=order, reason="customer changed their mind")
    assert (stock(soap), stock(cream)) == (10, 10)


def test_a_partial_refund_before_shipping_gives_back_only_the_refunded_units_once(
    tracked, paid_order, soap
):
    order = paid_order(soap_qty=3, cream_qty=1)
    soap_line = order.lines.get(product=soap)
    order_refund(order=order, quantities={soap_line.pk: 1})
    assert stock(soap) == 8
    order_refund(order=order)  # the rest: two soaps and the cream
    assert stock(soap) == 10


def test_a_refund_of_what_is_not_in_a_parcel_yet_gives_back_only_that(
    tracked, paid_order, soap, cream
):
    order = paid_order(soap_qty=2, cream_qty=1)
    shipment_create(order=order, carrier="dhl", tracking_number="P1", items={"SOAP-01": 1})
    order_refund(order=order)  # one soap is on its way, one soap and the cream are not
    assert (stock(soap), stock(cream)) == (9, 10)


def test_a_refund_of_a_shipped_order_gives_no_stock_back(tracked, paid_order, soap, cream):
    order = paid_order(soap_qty=2, cream_qty=1)
    shipment_create(order=order, carrier="dhl", tracking_number="P2")
    order_refund(order=order, reason="lost in transit")
    assert (stock(soap), stock(cream)) == (8, 9)


def test_goods_returned_go_back_on_the_shelf_once(tracked, paid_order, soap, cream):
    order = paid_order(soap_qty=2, cream_qty=1)
    shipment_create(order=order, carrier="dhl", tracking_number="P3")
    ret = return_open(order=order, reason=Return.Reason.WITHDRAWAL)
    return_receive(ret=ret)
    assert (stock(soap), stock(cream)) == (10, 10)
