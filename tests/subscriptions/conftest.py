from datetime import date
from decimal import Decimal

import pytest
from django.core.cache import cache

from subscriptions.payment import mandate_text
from subscriptions.services import subscription_create
from tests.factories import ProductFactory

IBAN = "DE89 3704 0044 0532 0130 00"


def customer_data(**overrides) -> dict:
    data = {
        "email": "kim@example.org",
        "first_name": "Kim",
        "last_name": "Kunde",
        "street": "Lindenweg 5",
        "postal_code": "50667",
        "city": "Köln",
        "country": "DE",
        "partner_code": "",
    }
    data.update(overrides)
    return data


@pytest.fixture(autouse=True)
def _clean_cache():
    # The checkout rate limit counts per address and e-mail in the cache.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def cream(db):
    # 30.00 gross, CV 25.21 (net), QV 20
    return ProductFactory(
        name="Creme", price=Decimal("30.00"), cv=Decimal("25.21"), qv=Decimal("20")
    )


@pytest.fixture
def subscribe(db, cream):
    def make(*, lines=None, today=date(2026, 1, 10), first_date=None, interval=1, **kwargs):
        data = customer_data(**kwargs.pop("data", {}))
        return subscription_create(
            lines=lines or {cream.pk: 2},
            customer_data=data,
            interval=interval,
            first_date=first_date or today,
            account_holder=kwargs.pop("account_holder", "Kim Kunde"),
            iban=kwargs.pop("iban", IBAN),
            mandate_text=mandate_text(language="de"),
            language="de",
            today=today,
            **kwargs,
        )

    return make
