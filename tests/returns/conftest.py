import contextlib
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.cache import cache

from orders.models import Product
from orders.services import order_mark_paid, order_place, order_ship
from tests.factories import PartnerFactory, ProductFactory

BERLIN = ZoneInfo("Europe/Berlin")
CUSTOMER = {
    "email": "karla@example.org",
    "first_name": "Karla",
    "last_name": "Kundin",
    "street": "Lindenweg 5",
    "postal_code": "10115",
    "city": "Berlin",
    "country": "DE",
    "partner_code": "anna",
}


def berlin(*args) -> datetime:
    return datetime(*args, tzinfo=BERLIN)


@pytest.fixture(autouse=True)
def _english_and_clean_cache(settings):
    settings.LANGUAGE_CODE = "en"
    settings.SHIPPING_FLAT_FEE = Decimal("4.90")
    settings.SHIPPING_FREE_FROM = Decimal("1000.00")
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """`with committed(): ...` -> the block's on_commit callbacks run at its end."""

    @contextlib.contextmanager
    def run():
        with django_capture_on_commit_callbacks(execute=True):
            yield

    return run


@pytest.fixture
def anna(db):
    return PartnerFactory(slug="anna", first_name="Anna", last_name="Albers")


@pytest.fixture
def soap(db):
    return ProductFactory(name="Seife", price=Decimal("12.00"), qv=Decimal("10"), cv=Decimal("10"))


@pytest.fixture
def cream(db):
    return ProductFactory(
        name="Creme",
        price=Decimal("24.00"),
        qv=Decimal("12"),
        cv=Decimal("20"),
        tax_class=Product.TaxClass.REDUCED,
    )


@pytest.fixture
def ordered(anna, soap, cream, committed):
    """ordered(paid=True, shipped=True, **customer) -> Anna's order of 1 soap, 2 creams
    (QV 10 + 24 = 34; goods 60.00 + shipping)."""

    def make(*, paid=True, shipped=True, **customer):
        with committed():
            order = order_place(
                cart_lines={soap.pk: 1, cream.pk: 2},
                customer_data={**CUSTOMER, **customer},
                referral=None,
                user=None,
                payment_method="prepayment",
            )
            if paid:
                order = order_mark_paid(order=order)
            if shipped:
                order = order_ship(order=order)
        return order

    return make
