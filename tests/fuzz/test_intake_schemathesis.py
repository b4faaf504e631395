"""Schemathesis drives the company's order intake API (/api/v1/orders...) from the
OpenAPI schema, in process: generated bodies, headers (Idempotency-Key) and path
ids, with a valid company key, a wrong one and none. Zero server errors. Run by
.ci/run on PostgreSQL (`-m fuzz`)."""

from decimal import Decimal

import pytest

from orders.services import company_api_key_create
from tests.factories import PartnerFactory, ProductFactory
from tests.fuzz.drive import api_operations, drive

pytestmark = [pytest.mark.fuzz, pytest.mark.django_db]


@pytest.fixture
def company_key(db):
    PartnerFactory(slug="anna")
    ProductFactory(sku="SOAP-01", price=Decimal("12.50"), qv=Decimal("10"))
    _key, raw = company_api_key_create(
        name="fuzz", source="shopify", scopes=["orders:write", "orders:read"]
    )
    return raw


def test_the_intake_api_never_answers_a_server_error(
    company_key, keep_the_test_connection, settings_fast
):
    operations = api_operations("/api/v1/orders")
    assert len(operations) == 4
    failures, statuses = drive(operations, (f"Bearer {company_key}", "Bearer wrong\x00", None))
    assert failures == []
    assert {401, 400} <= statuses


@pytest.fixture
def settings_fast(settings):
    settings.ORDER_INTAKE_RATE = "100000/min"
