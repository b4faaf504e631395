"""Checkout is rate limited per client and per customer e-mail, with a friendly
page (429); nothing is saved and no mail goes out for a refused attempt."""

import pytest
from django.core import mail
from django.test import Client

from orders.models import Order
from orders.throttle import PER_CLIENT, PER_EMAIL
from tests.orders.helpers import CHECKOUT_FORM

pytestmark = pytest.mark.django_db


def attempt(client, product, email):
    client.post("/cart/add/", {"product": product.pk})
    client.post("/checkout/", {**CHECKOUT_FORM, "email": email})
    return client.post("/checkout/place/", {"checkout_token": client.session["checkout_token"]})


def test_one_client_placing_orders_in_a_burst_is_stopped_with_a_friendly_page(client, soap):
    limit = PER_CLIENT[0]
    answers = [attempt(client, soap, f"k{n}@example.org").status_code for n in range(limit + 3)]
    assert answers[:limit] == [302] * limit
    assert answers[limit:] == [429] * 3
    assert Order.objects.count() == limit
    page = attempt(client, soap, "other@example.org")
    assert "several orders in a short time" in page.content.decode()
    assert "cart" in client.session  # the cart is kept for later


def test_one_e_mail_address_gets_a_limited_number_of_orders_from_any_client(
    soap, django_capture_on_commit_callbacks
):
    limit = PER_EMAIL[0]
    with django_capture_on_commit_callbacks(execute=True):
        answers = [
            attempt(Client(REMOTE_ADDR=f"10.0.0.{n}"), soap, "victim@example.org").status_code
            for n in range(limit + 2)
        ]
    assert answers == [302] * limit + [429] * 2
    assert len(mail.outbox) == limit


def test_a_cache_that_is_down_does_not_stop_the_checkout(client, soap, monkeypatch):
    from django.core.cache import cache

    def down(*args, **kwargs):
        raise ConnectionError("Redis is down")

    monkeypatch.setattr(cache, "add", down)
    assert attempt(client, soap, "karla@example.org").status_code == 302
    assert Order.objects.count() == 1
