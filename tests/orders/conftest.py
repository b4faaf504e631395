from decimal import Decimal

import pytest
from django.core.cache import cache

from orders.models import Product
from orders.services import order_place
from tests.factories import ProductFactory

CUSTOMER = {
    "email": "kunde@example.org",
    "first_name": "Karla",
    "last_name": "Kundin",
    "street": "Lindenweg 5",
    "postal_code": "10115",
    "city": "Berlin",
    "country": "DE",
    "partner_code": "",
}


@pytest.fixture(autouse=True)
def _clean_cache_and_fast_visits(settings):
    # Messages are asserted in the source language (English); German formats are
    # checked with an explicit Accept-Language header.
    settings.LANGUAGE_CODE = "en"
    settings.LANDING_VISIT_FLUSH_SECONDS = 0
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def soap(db):
    return ProductFactory(name="Seife", price=Decimal("12.50"), qv=Decimal("10.00"), sort_order=1)


@pytest.fixture
def cream(db):
    return ProductFactory(
        name="Creme",
        price=Decimal("29.90"),
        qv=Decimal("25.00"),
        tax_class=Product.TaxClass.REDUCED,
        sort_order=2,
    )


@pytest.fixture
def place(soap):
    """place(email=..., code=..., referral=..., user=..., lines={product id: qty}) -> Order"""

    def _place(
        *, lines=None, referral=None, user=None, token=None, payment_method="prepayment", **customer
    ):
        data = {**CUSTOMER, **customer}
        if "code" in data:
            data["partner_code"] = data.pop("code")
        return order_place(
            cart_lines=lines if lines is not None else {soap.pk: 1},
            customer_data=data,
            referral=referral,
            user=user,
            checkout_token=token,
            payment_method=payment_method,
        )

    return _place
