"""Schemathesis drives the partner API from its own OpenAPI schema (/api/schema/),
in process through the WSGI application: generated parameters (strings, numbers,
unicode, NUL bytes, huge values), with a valid token, a wrong one and none.
Zero server errors. Run by .ci/run on PostgreSQL (`-m fuzz`)."""

from decimal import Decimal

import pytest

from dashboard.services import api_token_create
from orders.services import order_mark_paid, order_place
from tests.factories import PartnerFactory, ProductFactory
from tests.fuzz.drive import api_operations, drive

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


def test_the_api_never_answers_a_server_error(api_token, keep_the_test_connection):
    operations = api_operations()
    assert len(operations) >= 4
    failures, statuses = drive(operations, (f"Token {api_token}", "Token wrong\x00", None))
    assert failures == []
    assert {200, 401} <= statuses  # the token opened the API, and no token did not
