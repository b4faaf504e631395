"""Order events carry ids, amounts and volume, and no customer data."""

import json
from decimal import Decimal

import pytest

from orders.models import Customer
from orders.services import order_mark_paid, order_reattribute, order_refund
from tests.factories import OrderFactory, PartnerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def paid_order(partner):
    customer = Customer.objects.create(email="erika.mustermann@example.org")
    order = OrderFactory(
        customer=customer,
        attributed_partner=partner,
        first_name="Erika",
        last_name="Mustermann",
        street="Hauptstraße 5",
        city="Köln",
        postal_code="50667",
        price_total=Decimal("125.00"),
        qv_total=Decimal("100.00"),
    )
    return order


def bodies(receiver):
    return [json.loads(r["body"]) for r in receiver.requests]


def assert_no_customer_data(raw: bytes):
    for personal in (
        b"Erika",
        b"Mustermann",
        b"erika",
        b"Hauptstra",
        b"K\\u00f6ln",
        b"50667",
        b"@",
    ):
        assert personal not in raw


def test_order_paid_refunded_and_reattributed_are_sent_with_amounts_and_no_personal_data(
    endpoint,
    receiver,
    paid_order,
    partner,
    admin_user_for_orders,
    django_capture_on_commit_callbacks,
):
    endpoint(events=["order.paid", "order.refunded", "order.reattributed"])
    ben = PartnerFactory(slug="ben")

    with django_capture_on_commit_callbacks(execute=True):
        order_mark_paid(order=paid_order)
    with django_capture_on_commit_callbacks(execute=True):
        order_reattribute(
            order=paid_order, partner=ben, changed_by=admin_user_for_orders, reason="Fix"
        )
    with django_capture_on_commit_callbacks(execute=True):
        order_refund(order=paid_order, reason="Returned")

    paid, reattributed, refunded = bodies(receiver)
    assert paid["type"] == "order.paid"
    order = paid["data"]["order"]
    assert order["number"] == paid_order.number
    assert order["total"] == "125.00"
    assert order["qv"] == "100.00"
    assert order["currency"] == "EUR"
    assert order["attributed_partner"] == {"id": partner.pk, "slug": "anna"}

    assert reattributed["type"] == "order.reattributed"
    assert reattributed["data"]["reattribution"]["from_partner"]["slug"] == "anna"
    assert reattributed["data"]["reattribution"]["to_partner"]["slug"] == "ben"

    assert refunded["type"] == "order.refunded"
    assert refunded["data"]["refund"]["amount"] == "125.00"
    assert refunded["data"]["refund"]["is_full"] is True
    assert refunded["data"]["order"]["status"] == "refunded"

    for request in receiver.requests:
        assert_no_customer_data(request["body"])


@pytest.fixture
def admin_user_for_orders(django_user_model):
    return django_user_model.objects.create_superuser(email="boss@example.com", password="x" * 12)
