"""Stock under simultaneous checkouts on the real PostgreSQL: never sold twice.

Each thread has its own connection, as each web worker would.
"""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from orders.models import Order, OrderLine, Product
from orders.services import order_place
from tests.factories import ProductFactory

from .test_checkout_concurrency import CUSTOMER, run_at_once

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("worker_drained"),
]


def _place(cart, n):
    return lambda: order_place(
        cart_lines=cart,
        customer_data={**CUSTOMER, "email": f"kunde{n}@example.org"},
        checkout_token=f"stock-{n}",
    )


def test_twelve_customers_after_the_last_five_units_get_five_orders_and_no_oversale():
    assert connection.vendor == "postgresql"
    product = ProductFactory(price=Decimal("10.00"), qv=Decimal("8"), stock=5)
    results = run_at_once([_place({product.pk: 1}, n) for n in range(12)])
    placed = [r for r in results if isinstance(r, Order)]
    refused = [r for r in results if isinstance(r, ValidationError)]
    assert len(placed) == 5 and len(refused) == 7, results
    assert all(f"line_{product.pk}" in r.message_dict for r in refused)  # "sold out"
    product.refresh_from_db()
    assert product.stock == 0
    assert sum(OrderLine.objects.values_list("quantity", flat=True)) == 5


def test_carts_with_the_same_products_in_any_order_neither_deadlock_nor_oversell():
    assert connection.vendor == "postgresql"
    soap = ProductFactory(name="Seife", stock=6)
    cream = ProductFactory(name="Creme", stock=6)
    # Half the carts list the cream first: the locks are still taken in one order.
    carts = [{soap.pk: 1, cream.pk: 1} if n % 2 else {cream.pk: 1, soap.pk: 1} for n in range(10)]
    results = run_at_once([_place(cart, n) for n, cart in enumerate(carts)])
    assert not [r for r in results if not isinstance(r, (Order, ValidationError))], results
    assert len([r for r in results if isinstance(r, Order)]) == 6
    assert dict(Product.objects.values_list("name", "stock")) == {"Seife": 0, "Creme": 0}
