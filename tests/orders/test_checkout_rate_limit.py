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


def test_behind_a_trusted_proxy_many_customers_order_and_one_busy_client_is_stopped(soap, settings):
    # Given the shop behind its proxy: every request comes from 10.0.0.2
    settings.TRUSTED_PROXIES = ["10.0.0.2"]
    limit = PER_CLIENT[0]
    customers = [
        attempt(
            Client(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=f"203.0.113.{n}"),
            soap,
            f"c{n}@example.org",
        ).status_code
        for n in range(limit + 5)
    ]
    # Then each customer is counted by their own address, not the proxy's
    assert customers == [302] * (limit + 5)
    busy = Client(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="198.51.100.9")
    answers = [attempt(busy, soap, f"b{n}@example.org").status_code for n in range(limit + 1)]
    assert answers == [302] * limit + [429]


def test_a_client_making_up_forwarded_addresses_is_still_one_client(soap, settings):
    settings.TRUSTED_PROXIES = ["10.0.0.2"]
    limit = PER_CLIENT[0]
    answers = [
        attempt(
            # not from the proxy: the header is the client's own invention
            Client(REMOTE_ADDR="198.51.100.9", HTTP_X_FORWARDED_FOR=f"203.0.113.{n}"),
            soap,
            f"s{n}@example.org",
        ).status_code
        for n in range(limit + 1)
    ]
    assert answers == [302] * limit + [429]
