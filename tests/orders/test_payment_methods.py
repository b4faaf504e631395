"""PayPal, Klarna and card with Apple Pay / Google Pay, all through Stripe
Checkout (the client is mocked at its boundary): the checkout shows each choice
plainly, Stripe's page offers the method chosen, Klarna only where and up to
what Stripe allows, a failed delayed payment cancels the order, and a refund
booked here goes back on the PaymentIntent, once."""

import time
from decimal import Decimal
from types import SimpleNamespace
from unittest import mock

import pytest
import stripe
from django.core.exceptions import ValidationError

from orders.models import Order, OrderTransition, Refund
from orders.services import order_mark_paid, order_refund
from tests.factories import ProductFactory
from tests.orders.helpers import CHECKOUT_FORM
from tests.orders.test_stripe import post_event, session_completed

pytestmark = pytest.mark.django_db
D = Decimal
FAKE = SimpleNamespace(id="cs_test_abc", url="https://checkout.stripe.com/c/pay/cs_test_abc")


@pytest.fixture(autouse=True)
def stripe_keys(settings):
    settings.STRIPE_SECRET_KEY = "sk_test_123"
    settings.STRIPE_WEBHOOK_SECRET = "whsec_test_secret"
    settings.STRIPE_PAYMENT_METHODS = ["card", "paypal", "klarna"]
    settings.SHIP_TO_COUNTRIES = ["DE", "AT", "CH"]


def test_the_checkout_shows_every_method_the_company_switched_on(client, soap, settings):
    client.post("/cart/add/", {"product": soap.pk})
    html = client.get("/checkout/", HTTP_ACCEPT_LANGUAGE="de").content.decode()
    for value, label in (
        ("prepayment", "Vorkasse"),
        ("stripe", "Kreditkarte, Apple Pay oder Google Pay"),
        ("paypal", "PayPal"),
        ("klarna", "Klarna"),
    ):
        assert f'value="{value}"' in html and label in html
    settings.STRIPE_PAYMENT_METHODS = ["card"]
    html = client.get("/checkout/").content.decode()
    assert 'value="paypal"' not in html and 'value="klarna"' not in html


def pay_on_stripe(client, soap, method):
    client.post("/cart/add/", {"product": soap.pk})
    client.post("/checkout/", {**CHECKOUT_FORM, "payment_method": method})
    response = client.post("/checkout/place/", {"checkout_token": client.session["checkout_token"]})
    assert response.url == FAKE.url
    return Order.objects.get()


@pytest.mark.parametrize("method, types", [("paypal", ["paypal"]), ("klarna", ["klarna"])])
def test_stripes_page_offers_the_method_chosen(client, soap, method, types):
    with mock.patch("stripe.checkout.Session.create", return_value=FAKE) as create:
        order = pay_on_stripe(client, soap, method)
    assert order.payment_method == method and order.payment_reference == FAKE.id
    assert create.call_args.kwargs["allowed_payment_method_types"] == types


def test_card_includes_the_wallets(client, soap):
    with mock.patch("stripe.checkout.Session.create", return_value=FAKE) as create:
        pay_on_stripe(client, soap, "stripe")
    assert create.call_args.kwargs["allowed_payment_method_types"] == ["card"]


def test_klarna_is_refused_for_switzerland_and_above_its_limit(place, soap):
    with pytest.raises(ValidationError) as excinfo:
        place(payment_method="klarna", country="CH", postal_code="8001")
    assert "not available for deliveries" in excinfo.value.message_dict["payment_method"][0]
    with pytest.raises(ValidationError) as excinfo:
        place(payment_method="klarna", lines={ProductFactory(price=D("4100")).pk: 1})
    assert "not available for this amount" in excinfo.value.message_dict["payment_method"][0]
    assert place(payment_method="paypal", country="CH", postal_code="8001").pk


def _failed(order):
    event = session_completed(order, event_id="evt_failed")
    event["type"] = "checkout.session.async_payment_failed"
    event["data"]["object"]["payment_status"] = "unpaid"
    return event


def test_a_failed_delayed_payment_cancels_the_pending_order_once(client, place):
    order = place(payment_method="klarna")
    order.payment_reference = "cs_test_1"
    order.save()
    post_event(client, session_completed(order, status="unpaid"))  # Klarna confirms later
    first = post_event(client, _failed(order))
    again = post_event(client, _failed(order))

    order.refresh_from_db()
    assert order.status == Order.Status.CANCELLED
    assert (first.json()["outcome"], again.json()["outcome"]) == (
        "payment failed: cancelled",
        "duplicate",
    )


@pytest.fixture
def paid_by_paypal(place, soap):
    order = place(payment_method="paypal", lines={soap.pk: 2})
    return order_mark_paid(order=order, payment_reference="pi_123")


def test_a_refund_booked_here_goes_back_on_the_payment_intent(
    paid_by_paypal, django_capture_on_commit_callbacks
):
    line = paid_by_paypal.lines.get()
    with (
        mock.patch("stripe.Refund.create", return_value=SimpleNamespace(id="re_1")) as create,
        django_capture_on_commit_callbacks(execute=True),
    ):
        refund = order_refund(order=paid_by_paypal, quantities={line.pk: 1})
    kwargs = create.call_args.kwargs
    assert (kwargs["payment_intent"], kwargs["amount"]) == ("pi_123", 1250)
    assert kwargs["idempotency_key"] == f"order-refund-{refund.pk}"
    refund.refresh_from_db()
    assert refund.provider_reference == "re_1"


def test_stripes_refund_event_for_our_own_refund_books_nothing_twice(
    client, paid_by_paypal, django_capture_on_commit_callbacks
):
    with (
        mock.patch("stripe.Refund.create", return_value=SimpleNamespace(id="re_1")),
        django_capture_on_commit_callbacks(execute=True),
    ):
        order_refund(order=paid_by_paypal)
    event = {
        "id": "evt_refund_own",
        "object": "event",
        "type": "charge.refunded",
        "created": int(time.time()),
        "data": {
            "object": {
                "id": "ch_1",
                "object": "charge",
                "payment_intent": "pi_123",
                "amount_refunded": int(paid_by_paypal.total * 100),
                "metadata": {"order_number": paid_by_paypal.number},
            }
        },
    }
    assert post_event(client, event).json()["outcome"] == "order already refunded"
    assert Refund.objects.count() == 1


def test_a_refund_from_stripe_is_not_sent_back_to_stripe(client, paid_by_paypal):
    with mock.patch("stripe.Refund.create") as create:
        order_refund(order=paid_by_paypal, provider_reference="evt_from_stripe")
    create.assert_not_called()


def test_a_refund_stripe_refuses_is_left_to_an_admin_with_a_note(
    paid_by_paypal, django_capture_on_commit_callbacks
):
    error = stripe.InvalidRequestError("charge already refunded", param="payment_intent")
    with (
        mock.patch("stripe.Refund.create", side_effect=error),
        django_capture_on_commit_callbacks(execute=True),
    ):
        refund = order_refund(order=paid_by_paypal)
    assert Refund.objects.get(pk=refund.pk).provider_reference == ""  # booked, not sent
    assert OrderTransition.objects.filter(
        order=paid_by_paypal, note__contains="Stripe Dashboard"
    ).exists()
