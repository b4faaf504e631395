"""Schemathesis drives the fulfilment API (/api/v1/shipments...) from the OpenAPI
schema, in process: generated parcels and query strings, with a valid company key
(scope shipments), a wrong one and none. Zero server errors. Run by .ci/run on
PostgreSQL (`-m fuzz`)."""

from decimal import Decimal

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, given, settings

from orders.services import company_api_key_create, order_mark_paid, order_place
from tests.factories import ProductFactory

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


@pytest.fixture
def keep_the_test_connection():
    from django.core import signals
    from django.db import close_old_connections

    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


def test_the_fulfilment_api_never_answers_a_server_error(
    company_key, keep_the_test_connection, settings_fast
):
    schema = schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application())
    operations = [
        op
        for op in (result.ok() for result in schema.get_all_operations())
        if op.path.startswith("/api/v1/shipments")
    ]
    assert len(operations) == 2
    failures, statuses = [], set()
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=60,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            derandomize=True,
            database=None,
        )
        def check(case):
            for authorization in (f"Bearer {company_key}", "Bearer wrong\x00", None):
                headers = {"Authorization": authorization} if authorization else {}
                response = case.call(headers=headers)
                statuses.add(response.status_code)
                if response.status_code >= 500:
                    failures.append(
                        f"{case.method} {case.formatted_path} {case.body!r:.300} "
                        f"{authorization and authorization[:8]} -> {response.status_code}"
                    )

        check()
    assert failures == []
    assert {401, 400} <= statuses


@pytest.fixture
def settings_fast(settings):
    settings.ORDER_INTAKE_RATE = "100000/min"
