"""Double submission and simultaneous checkouts on the real PostgreSQL (orders).

Each thread has its own connection, as each web worker would.
"""

import threading
from decimal import Decimal

import pytest
from django.db import connection, connections

from orders.models import Customer, Order
from orders.services import order_place
from tests.factories import PartnerFactory, ProductFactory

# The worker must be idle before the database is flushed after each test (a task
# holding locks would make the flush deadlock).
pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("worker_drained"),
]

CUSTOMER = {
    "email": "kunde@example.org",
    "first_name": "Karla",
    "last_name": "Kundin",
    "street": "Weg 1",
    "postal_code": "10115",
    "city": "Berlin",
    "country": "DE",
    "partner_code": "",
}


def run_at_once(jobs):
    barrier = threading.Barrier(len(jobs))
    results = [None] * len(jobs)

    def worker(index, job):
        try:
            barrier.wait()
            results[index] = job()
        except Exception as exc:  # noqa: BLE001 -- reported to the test
            results[index] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a checkout hung"
    return results


def test_the_same_checkout_submitted_many_times_at_once_creates_one_order():
    assert connection.vendor == "postgresql"
    product = ProductFactory(price=Decimal("10.00"), qv=Decimal("8"))
    place = lambda: order_place(  # noqa: E731
        cart_lines={product.pk: 2}, customer_data=CUSTOMER, checkout_token="same-token"
    )
    results = run_at_once([place] * 8)
    assert not [r for r in results if isinstance(r, Exception)], results
    assert len({r.pk for r in results}) == 1
    assert Order.objects.count() == 1 and Customer.objects.count() == 1


def test_a_new_customers_simultaneous_first_orders_bind_them_once():
    assert connection.vendor == "postgresql"
    product = ProductFactory(price=Decimal("10.00"), qv=Decimal("8"))
    partners = [PartnerFactory(slug=f"racer-{i}") for i in range(4)]

    def place(partner, n):
        return lambda: order_place(
            cart_lines={product.pk: 1},
            customer_data={**CUSTOMER, "partner_code": partner.slug},
            checkout_token=f"token-{n}",
        )

    results = run_at_once([place(p, n) for n, p in enumerate(partners * 2)])
    assert not [r for r in results if isinstance(r, Exception)], results
    assert Order.objects.count() == 8 and len({r.number for r in results}) == 8
    customer = Customer.objects.get()
    assert customer.bound_partner in partners
    # every later order goes to the one partner the customer is bound to
    later = order_place(cart_lines={product.pk: 1}, customer_data=CUSTOMER, checkout_token="later")
    assert later.attributed_partner == customer.bound_partner
