"""Placing an order gives the guest a new session key (the old one, which may have
been seen before checkout, opens nothing), and the checkout token is single-use:
it never opens the confirmation in another session."""

from importlib import import_module

import pytest
from django.conf import settings
from django.test import Client

from orders.models import Order
from tests.orders.helpers import CHECKOUT_FORM

pytestmark = pytest.mark.django_db


def place_order(client, product):
    client.post("/cart/add/", {"product": product.pk})
    client.post("/checkout/", CHECKOUT_FORM)
    token = client.session["checkout_token"]
    key_before = client.session.session_key
    response = client.post("/checkout/place/", {"checkout_token": token})
    order = Order.objects.get(number=response.url.rstrip("/").rsplit("/", 1)[-1])
    return order, token, key_before


def test_placing_an_order_cycles_the_session_key_and_keeps_the_confirmation(client, soap):
    order, _token, key_before = place_order(client, soap)
    key_after = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert key_after != key_before
    store = import_module(settings.SESSION_ENGINE).SessionStore
    assert not store().exists(key_before)
    assert client.get(f"/order/{order.number}/").status_code == 200

    stale = Client()
    stale.cookies[settings.SESSION_COOKIE_NAME] = key_before
    assert stale.get(f"/order/{order.number}/").status_code == 404


def test_the_checkout_token_does_not_open_the_order_in_another_session(client, soap):
    order, token, _key = place_order(client, soap)
    other = Client()
    response = other.post("/checkout/place/", {"checkout_token": token})
    assert response.status_code == 302 and order.number not in response.url
    assert other.get(f"/order/{order.number}/").status_code == 404
    assert Order.objects.count() == 1


def test_the_same_browser_posting_again_still_lands_on_its_confirmation(client, soap):
    order, token, _key = place_order(client, soap)
    again = client.post("/checkout/place/", {"checkout_token": token})
    assert again.url == f"/order/{order.number}/"
    assert Order.objects.count() == 1


def test_the_review_page_reads_the_cart_products_once(client, soap):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.post("/cart/add/", {"product": soap.pk})
    client.post("/checkout/", CHECKOUT_FORM)
    with CaptureQueriesContext(connection) as queries:
        page = client.get("/checkout/review/")
    assert page.status_code == 200 and soap.name in page.content.decode()
    product_reads = [q for q in queries.captured_queries if 'FROM "orders_product"' in q["sql"]]
    assert len(product_reads) == 1
