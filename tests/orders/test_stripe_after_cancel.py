"""A Stripe payment that arrives for an order cancelled meanwhile: the money is
recorded on the order, admins see the order as needing attention, and one admin
action refunds it at Stripe (the client is mocked at its boundary)."""

from decimal import Decimal
from types import SimpleNamespace
from unittest import mock

import pytest

from orders.models import Order, OrderTransition
from orders.services import order_cancel
from tests.orders.helpers import staff_client
from tests.orders.test_stripe import post_event, session_completed

pytestmark = pytest.mark.django_db
CHANGELIST = "/admin/orders/order/"


@pytest.fixture(autouse=True)
def stripe_keys(settings):
    settings.STRIPE_SECRET_KEY = "sk_test_123"
    settings.STRIPE_WEBHOOK_SECRET = "whsec_test_secret"


@pytest.fixture
def cancelled_but_paid(client, place, soap):
    order = place(lines={soap.pk: 2}, payment_method="stripe")  # 25.00 + 4.90 shipping
    order.payment_reference = "cs_test_1"
    order.save()
    order_cancel(order=order, reason="customer changed their mind")
    response = post_event(client, session_completed(order))
    assert response.status_code == 200
    order.refresh_from_db()
    return order


def test_a_payment_for_a_cancelled_order_is_recorded_on_the_order(cancelled_but_paid):
    order = cancelled_but_paid
    assert order.status == Order.Status.CANCELLED
    assert order.late_payment_reference == "pi_123"
    assert order.late_payment_amount == Decimal("29.90") == order.total
    assert order.needs_attention
    notes = " ".join(OrderTransition.objects.filter(order=order).values_list("note", flat=True))
    assert "after the order was cancelled" in notes


def test_admins_find_it_under_needs_attention(admin_client, cancelled_but_paid, place):
    place(email="other@example.org")
    response = admin_client.get(CHANGELIST, {"attention": "late_payment"})
    assert [o.number for o in response.context["cl"].result_list] == [cancelled_but_paid.number]
    page = admin_client.get(f"/admin/orders/order/{cancelled_but_paid.pk}/change/")
    assert "Payment received after cancellation" in page.content.decode()


def test_one_action_refunds_it_at_stripe_once(admin_client, cancelled_but_paid):
    order = cancelled_but_paid
    refund = SimpleNamespace(id="re_1", status="succeeded")
    with mock.patch("stripe.Refund.create", return_value=refund) as create:
        for _ in range(2):
            admin_client.post(
                CHANGELIST,
                {"action": "refund_late_payment", "_selected_action": [order.pk]},
                follow=True,
            )
    create.assert_called_once()
    kwargs = create.call_args.kwargs
    assert kwargs["payment_intent"] == "pi_123" and kwargs["amount"] == 2990
    assert kwargs["api_key"] == "sk_test_123" and kwargs["idempotency_key"]
    order.refresh_from_db()
    assert order.late_payment_refunded_at is not None and not order.needs_attention
    assert (
        admin_client.get(CHANGELIST, {"attention": "late_payment"}).context["cl"].result_count == 0
    )


def test_a_stripe_error_leaves_the_order_needing_attention(admin_client, cancelled_but_paid):
    import stripe

    with mock.patch("stripe.Refund.create", side_effect=stripe.APIConnectionError("down")):
        response = admin_client.post(
            CHANGELIST,
            {"action": "refund_late_payment", "_selected_action": [cancelled_but_paid.pk]},
            follow=True,
        )
    assert response.status_code == 200
    cancelled_but_paid.refresh_from_db()
    assert cancelled_but_paid.needs_attention


def test_view_only_staff_cannot_refund_it(client, cancelled_but_paid):
    viewer = staff_client(client, "orders.view_order")
    with mock.patch("stripe.Refund.create") as create:
        viewer.post(
            CHANGELIST,
            {"action": "refund_late_payment", "_selected_action": [cancelled_but_paid.pk]},
        )
    create.assert_not_called()
