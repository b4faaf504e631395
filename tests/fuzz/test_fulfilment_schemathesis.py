"""Schemathesis drives the fulfilment API (/api/v1/shipments...) from the OpenAPI
schema, in process: generated parcels and query strings, with a valid company key
(scope shipments), a wrong one and none. Zero server errors. Run by .ci/run on
PostgreSQL (`-m fuzz`)."""

from decimal import Decimal

import pytest

from orders.services import company_api_key_create, order_mark_paid, order_place
from tests.factories import ProductFactory
from tests.fuzz.drive import api_operations, drive

pytestmark = [pytest.mark.fuzz, pytest.mark.django_db]


@pytest.fixture
def company_key(db):
    product = ProductFactory(sku="SOAP-01", price=Decimal("12.50"), qv=Decimal("10"))
    order = order_place(
        cart_lines={product.pk: 2},
        customer_data={
            "email": "karla@example.org",
            "first_name": "Karla",
            "last_name": "Kundin",
            "street": "Lindenweg 5",
            "postal_code": "10115",
            "city": "Berlin",
            "country": "DE",
            "partner_code": "",
        },
    )
    order_mark_paid(order=order)
    _key, raw = company_api_key_create(name="fuzz", source="lager", scopes=["shipments"])
    return raw


def test_the_fulfilment_api_never_answers_a_server_error(
    company_key, keep_the_test_connection, settings_fast
):
    operations = api_operations("/api/v1/shipments")
    assert len(operations) == 2
    failures, statuses = drive(operations, (f"Bearer {company_key}", "Bearer wrong\x00", None))
    assert failures == []
    assert {401, 400} <= statuses


@pytest.fixture
def settings_fast(settings):
    settings.ORDER_INTAKE_RATE = "100000/min"
