"""Stripe Checkout and its webhook, offline: payloads are signed here the way
Stripe signs them (t=<ts>,v1=HMAC-SHA256(secret, "<ts>.<payload>")) and the
library verifies them; Session.create is mocked at the boundary."""

import hashlib
import hmac
import json
import time
from decimal import Decimal
from types import SimpleNamespace
from unittest import mock

import pytest
import stripe

from orders.models import Order, OrderEvent, OrderTransition, PaymentWebhookEvent, Refund
from orders.services import order_mark_paid, order_ship
from tests.orders.helpers import checkout

pytestmark = pytest.mark.django_db
SECRET = "whsec_test_secret"


@pytest.fixture(autouse=True)
def stripe_keys(settings):
    settings.STRIPE_SECRET_KEY = "sk_test_123"
    settings.STRIPE_WEBHOOK_SECRET = SECRET


def signed(payload: dict, *, secret=SECRET, timestamp=None) -> tuple[bytes, str]:
    body = json.dumps(payload).encode()
    ts = int(timestamp or time.time())
    signature = hmac.new(secret.encode(), f"{ts}.".encode() + body, hashlib.sha256).hexdigest()
    return body, f"t={ts},v1={signature}"


def post_event(client, payload, **kwargs):
    body, header = signed(payload, **kwargs)
    return client.post(
        "/webhooks/stripe/", body, content_type="application/json", HTTP_STRIPE_SIGNATURE=header
    )


def session_completed(order, *, event_id="evt_paid_1", amount=None, status="paid"):
    return {
        "id": event_id,
        "object": "event",
        "type": "checkout.session.completed",
        "created": int(time.time()),
        "data": {
            "object": {
                "id": "cs_test_1",
                "object": "checkout.session",
                "client_reference_id": order.number,
                "metadata": {"order_number": order.number},
                "payment_status": status,
                "payment_intent": "pi_123",
                "amount_total": amount if amount is not None else int(order.total * 100),
                "currency": "eur",
            }
        },
    }


def charge_refunded(order, *, amount_refunded, event_id="evt_refund_1"):
    return {
        "id": event_id,
        "object": "event",
        "type": "charge.refunded",
        "created": int(time.time()),
        "data": {
            "object": {
                "id": "ch_1",
                "object": "charge",
                "payment_intent": "pi_123",
                "amount_refunded": amount_refunded,
                "currency": "eur",
                "metadata": {},
            }
        },
    }


@pytest.fixture
def stripe_order(place, soap, cream):
    order = place(
        lines={soap.pk: 2, cream.pk: 1}, payment_method="stripe"
    )  # 25.00 + 29.90 + 0 shipping
    order.payment_reference = "cs_test_1"
    order.save()
    return order


# -- starting the payment


def test_checkout_with_stripe_sends_the_customer_to_stripe(client, soap):
    fake = SimpleNamespace(id="cs_test_abc", url="https://checkout.stripe.com/c/pay/cs_test_abc")
    with mock.patch("stripe.checkout.Session.create", return_value=fake) as create:
        client.post("/cart/add/", {"product": soap.pk})
        from tests.orders.helpers import CHECKOUT_FORM

        client.post("/checkout/", {**CHECKOUT_FORM, "payment_method": "stripe"})
        response = client.post(
            "/checkout/place/", {"checkout_token": client.session["checkout_token"]}
        )

    assert response.status_code == 302 and response.url == fake.url
    order = Order.objects.get()
    assert order.payment_method == "stripe" and order.payment_reference == "cs_test_abc"
    assert order.status == Order.Status.PENDING
    kwargs = create.call_args.kwargs
    assert kwargs["client_reference_id"] == order.number and kwargs["api_key"] == "sk_test_123"
    total_cents = sum(
        item["price_data"]["unit_amount"] * item["quantity"] for item in kwargs["line_items"]
    )
    assert total_cents == int(order.total * 100)  # goods and shipping, gross
    assert kwargs["success_url"].endswith(f"/order/{order.number}/?paid=1")


def test_stripe_is_not_offered_without_keys(client, soap, settings):
    settings.STRIPE_SECRET_KEY = ""
    client.post("/cart/add/", {"product": soap.pk})
    html = client.get("/checkout/").content.decode()
    assert 'value="stripe"' not in html and 'value="prepayment"' in html


def test_stripe_failure_keeps_the_order_and_offers_to_pay_again(client, soap):
    with mock.patch(
        "stripe.checkout.Session.create", side_effect=stripe.APIConnectionError("down")
    ):
        order = checkout(client, soap, payment_method="stripe")
    page = client.get(f"/order/{order.number}/").content.decode()
    assert "Pay now" in page and order.status == Order.Status.PENDING


# -- the webhook


def test_correctly_signed_completed_session_marks_the_order_paid_once(client, stripe_order):
    response = post_event(client, session_completed(stripe_order))

    assert response.status_code == 200
    stripe_order.refresh_from_db()
    assert stripe_order.status == Order.Status.PAID and stripe_order.paid_at is not None
    assert stripe_order.payment_reference == "pi_123"
    assert OrderEvent.objects.filter(order=stripe_order, kind="paid").count() == 1


def test_the_same_event_twice_has_one_effect(client, stripe_order):
    first = post_event(client, session_completed(stripe_order))
    second = post_event(client, session_completed(stripe_order))
    assert first.status_code == second.status_code == 200
    assert second.json()["outcome"] == "duplicate"
    assert OrderEvent.objects.filter(order=stripe_order).count() == 1
    assert PaymentWebhookEvent.objects.count() == 1


def test_a_second_paid_event_with_another_id_changes_nothing(client, stripe_order):
    post_event(client, session_completed(stripe_order))
    response = post_event(client, session_completed(stripe_order, event_id="evt_paid_2"))
    assert response.status_code == 200
    assert OrderEvent.objects.filter(order=stripe_order).count() == 1


@pytest.mark.parametrize(
    "kwargs",
    [{"secret": "whsec_wrong"}, {"timestamp": time.time() - 3600}],
    ids=["wrong secret", "too old"],
)
def test_bad_signature_is_rejected_with_400_and_changes_nothing(client, stripe_order, kwargs):
    response = post_event(client, session_completed(stripe_order), **kwargs)
    assert response.status_code == 400
    stripe_order.refresh_from_db()
    assert stripe_order.status == Order.Status.PENDING
    assert not PaymentWebhookEvent.objects.exists() and not OrderEvent.objects.exists()


def test_tampered_body_and_missing_header_are_rejected(client, stripe_order):
    body, header = signed(session_completed(stripe_order))
    tampered = body.replace(b'"paid"', b'"paid" ')
    assert (
        client.post(
            "/webhooks/stripe/",
            tampered,
            content_type="application/json",
            HTTP_STRIPE_SIGNATURE=header,
        ).status_code
        == 400
    )
    assert (
        client.post("/webhooks/stripe/", body, content_type="application/json").status_code == 400
    )
    assert (
        client.post(
            "/webhooks/stripe/",
            b"not json",
            content_type="application/json",
            HTTP_STRIPE_SIGNATURE=signed({})[1],
        ).status_code
        == 400
    )
    assert not PaymentWebhookEvent.objects.exists()


def test_unpaid_session_waits_for_the_async_payment(client, stripe_order):
    post_event(client, session_completed(stripe_order, status="unpaid"))
    stripe_order.refresh_from_db()
    assert stripe_order.status == Order.Status.PENDING
    event = session_completed(stripe_order, event_id="evt_async")
    event["type"] = "checkout.session.async_payment_succeeded"
    post_event(client, event)
    stripe_order.refresh_from_db()
    assert stripe_order.status == Order.Status.PAID


def test_amount_mismatch_does_not_mark_paid(client, stripe_order):
    response = post_event(client, session_completed(stripe_order, amount=100))
    assert response.json()["outcome"] == "amount mismatch"
    stripe_order.refresh_from_db()
    assert stripe_order.status == Order.Status.PENDING


def test_full_refund_event_refunds_the_order(client, stripe_order):
    post_event(client, session_completed(stripe_order))
    response = post_event(
        client, charge_refunded(stripe_order, amount_refunded=int(stripe_order.total * 100))
    )
    assert response.json()["outcome"] == "refunded in full"
    stripe_order.refresh_from_db()
    assert stripe_order.status == Order.Status.REFUNDED
    refund = Refund.objects.get()
    assert refund.is_full and refund.amount == stripe_order.total and refund.qv == stripe_order.qv
    assert OrderEvent.objects.filter(order=stripe_order, kind="refunded").count() == 1


def test_refund_event_replayed_books_the_refund_once(client, stripe_order):
    post_event(client, session_completed(stripe_order))
    event = charge_refunded(stripe_order, amount_refunded=1250)
    post_event(client, event)
    post_event(client, event)
    # Stripe may also send the same cumulative amount with a new id: nothing new
    post_event(
        client, charge_refunded(stripe_order, amount_refunded=1250, event_id="evt_refund_again")
    )
    assert Refund.objects.count() == 1


def test_partial_refund_matching_one_line_refunds_that_line(client, stripe_order, soap):
    post_event(client, session_completed(stripe_order))
    response = post_event(client, charge_refunded(stripe_order, amount_refunded=1250))  # one soap
    assert response.json()["outcome"] == "refunded in part"
    stripe_order.refresh_from_db()
    assert stripe_order.status == Order.Status.PAID
    refund = Refund.objects.get()
    assert (refund.amount, refund.qv, refund.is_full) == (Decimal("12.50"), Decimal("10.00"), False)
    assert stripe_order.lines.get(product=soap).refunded_quantity == 1


def test_partial_refund_that_matches_no_lines_asks_an_admin_and_books_no_volume(
    client, stripe_order
):
    post_event(client, session_completed(stripe_order))
    response = post_event(
        client, charge_refunded(stripe_order, amount_refunded=500)
    )  # 5 EUR goodwill
    assert response.json()["outcome"] == "needs an admin"
    assert not Refund.objects.exists()
    assert OrderTransition.objects.filter(
        order=stripe_order, note__contains="matches no lines"
    ).exists()


def test_refund_before_the_payment_event_is_retried_later(client, stripe_order):
    response = post_event(client, charge_refunded(stripe_order, amount_refunded=1250))
    assert response.status_code == 409
    assert not PaymentWebhookEvent.objects.exists()  # Stripe sends it again; we apply it then


def test_refund_of_a_shipped_order_is_booked(client, stripe_order):
    post_event(client, session_completed(stripe_order))
    order_ship(order=stripe_order)
    post_event(client, charge_refunded(stripe_order, amount_refunded=int(stripe_order.total * 100)))
    stripe_order.refresh_from_db()
    assert stripe_order.status == Order.Status.REFUNDED


def test_payment_events_for_orders_we_do_not_know_are_acknowledged(client, stripe_order):
    event = session_completed(stripe_order)
    event["data"]["object"].update(client_reference_id="2026-OTHER1", metadata={}, id="cs_other")
    response = post_event(client, event)
    assert response.status_code == 200 and response.json()["outcome"] == "unknown order"
    stripe_order.refresh_from_db()
    assert stripe_order.status == Order.Status.PENDING


def test_order_is_found_by_its_checkout_session_id_too(client, stripe_order):
    event = session_completed(stripe_order)
    event["data"]["object"].update(client_reference_id="", metadata={})
    post_event(client, event)
    stripe_order.refresh_from_db()
    assert stripe_order.status == Order.Status.PAID


def test_refund_matching_is_refused_when_ambiguous(stripe_order, soap):
    from orders.webhooks import refund_quantities_matching

    order_mark_paid(order=stripe_order)
    lines = list(stripe_order.lines.all())
    assert refund_quantities_matching(lines=lines, amount=Decimal("12.50")) == {
        stripe_order.lines.get(product=soap).pk: 1
    }
    assert refund_quantities_matching(lines=lines, amount=Decimal("1.00")) is None
    for line in lines:  # two lines of the same price: which one came back?
        line.unit_price = Decimal("10.00")
    assert refund_quantities_matching(lines=lines, amount=Decimal("10.00")) is None


def test_stripe_key_without_webhook_secret_is_flagged_by_the_system_check(settings):
    from orders.checks import stripe_configuration

    assert stripe_configuration(None) == []
    settings.STRIPE_WEBHOOK_SECRET = ""
    assert [w.id for w in stripe_configuration(None)] == ["orders.W001"]


@pytest.mark.parametrize("body", [b"[]", b'"text"', b"42", b"null", b'{"id": 5}', b"{}", b"\xff"])
def test_a_signed_body_that_is_not_an_event_object_is_answered_400(client, body):
    ts = int(time.time())
    signature = hmac.new(SECRET.encode(), f"{ts}.".encode() + body, hashlib.sha256).hexdigest()
    response = client.post(
        "/webhooks/stripe/",
        body,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=f"t={ts},v1={signature}",
    )
    assert response.status_code == 400
    assert PaymentWebhookEvent.objects.count() == 0
