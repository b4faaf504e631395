import contextlib
from decimal import Decimal

import pytest
from django.core.cache import cache

from orders.services import order_mark_paid, order_place
from tests.factories import ProductFactory

CUSTOMER = {
    "email": "karla@example.org",
    "first_name": "Karla",
    "last_name": "Kundin",
    "street": "Lindenweg 5",
    "postal_code": "10115",
    "city": "Berlin",
    "country": "DE",
    "partner_code": "",
}


@pytest.fixture(autouse=True)
def _english_and_clean_cache(settings):
    settings.LANGUAGE_CODE = "en"
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    @contextlib.contextmanager
    def run():
        with django_capture_on_commit_callbacks(execute=True):
            yield

    return run


@pytest.fixture
def soap(db):
    return ProductFactory(name="Seife", sku="SOAP-01", price=Decimal("12.00"), sort_order=1)


@pytest.fixture
def cream(db):
    return ProductFactory(name="Creme", price=Decimal("24.00"), sort_order=2)  # no SKU


@pytest.fixture
def paid_order(soap, cream):
    """paid_order(soap=2, cream=1, language="de", email=...) -> a paid order."""
    counter = iter(range(1, 10_000))

    def make(*, soap_qty=2, cream_qty=1, language="en", **customer):
        lines = {p.pk: q for p, q in ((soap, soap_qty), (cream, cream_qty)) if q}
        data = {**CUSTOMER, "email": f"k{next(counter)}@example.org", **customer}
        order = order_place(cart_lines=lines, customer_data=data, language=language)
        return order_mark_paid(order=order, payment_reference="bank")

    return make
