"""Schemathesis drives the partner API from its own OpenAPI schema (/api/schema/),
in process through the WSGI application: generated parameters (strings, numbers,
unicode, NUL bytes, huge values), with a valid token, a wrong one and none.
Zero server errors. Run by .ci/run on PostgreSQL (`-m fuzz`)."""

from decimal import Decimal

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, given, settings

from dashboard.services import api_token_create
from orders.services import order_mark_paid, order_place
from tests.factories import PartnerFactory, ProductFactory

pytestmark = [pytest.mark.fuzz, pytest.mark.django_db]

CUSTOMER = {
    "email": "kunde@example.org",
    "first_name": "Karla",
    "last_name": "Kundin",
    "street": "Lindenweg 5",
    "postal_code": "10115",
    "city": "Berlin",
    "country": "DE",
    "partner_code": "anna",
}


@pytest.fixture
def api_token(db):
    anna = PartnerFactory(slug="anna")
    PartnerFactory(sponsor=anna)
    product = ProductFactory(price=Decimal("30.00"), qv=Decimal("25"))
    order_mark_paid(order=order_place(cart_lines={product.pk: 2}, customer_data=CUSTOMER))
    _token, raw = api_token_create(partner=anna, name="fuzz")
    return raw


@pytest.fixture
def keep_the_test_connection():
    """Like Django's test client: requests served in process must not close the
    database connection that holds the test's transaction."""
    from django.core import signals
    from django.db import close_old_connections

    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


def test_the_api_never_answers_a_server_error(api_token, keep_the_test_connection):
    schema = schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application())
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 4
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
            for authorization in (f"Token {api_token}", "Token wrong\x00", None):
                headers = {"Authorization": authorization} if authorization else {}
                response = case.call(headers=headers)
                statuses.add(response.status_code)
                if response.status_code >= 500:
                    failures.append(
                        f"{case.method} {case.formatted_path} {case.query!r:.200} "
                        f"{authorization and authorization[:6]} -> {response.status_code}"
                    )

        check()
    assert failures == []
    assert {200, 401} <= statuses  # the token opened the API, and no token did not
