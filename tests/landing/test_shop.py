import pytest
from django.test import Client

from orders.models import Order
from tests.factories import ProductFactory
from tests.orders.helpers import checkout

from .conftest import add_to_cart_from

pytestmark = pytest.mark.django_db
A = Order.Attribution


def test_shop_sells_the_active_products_without_partner_context(client, anna, soap):
    ProductFactory(name="Ausverkauft", is_active=False)
    html = client.get("/shop/").content.decode()
    assert "Seife" in html and "Ausverkauft" not in html and "Anna" not in html
    assert "?ref=" not in html
    assert "referral" not in client.session
    assert checkout(client, soap).attribution == A.NONE


def test_customer_bound_on_a_landing_page_is_still_attributed_in_the_shop(anna, soap):
    first = Client()
    add_to_cart_from(first, "/anna/", soap)
    assert checkout(first, soap).attribution == A.LANDING

    later = Client()  # another day, another device, straight to the shop
    later.get("/shop/")
    order = checkout(later, soap)
    assert (order.attributed_partner, order.attribution) == (anna, A.BOUND)


def test_code_in_the_shop_attributes_a_new_customer(client, anna, soap):
    client.get("/shop/")
    order = checkout(client, soap, partner_code="anna")
    assert (order.attributed_partner, order.attribution) == (anna, A.CODE)


def test_shop_page_cache_follows_product_changes(soap):
    assert "Seife" in Client().get("/shop/").content.decode()
    soap.name = "Olivenseife"
    soap.save()
    assert "Olivenseife" in Client().get("/shop/").content.decode()


def test_home_page_links_to_the_shop(client, soap):
    html = client.get("/").content.decode()
    assert 'href="/shop/"' in html and "Seife" in html


@pytest.mark.parametrize("path", ["/impressum/", "/datenschutz/", "/agb/", "/consent/"])
def test_legal_pages_exist(client, path):
    assert client.get(path).status_code == 200


def test_privacy_page_explains_the_referral_cookie(client):
    assert 'id="referral-cookie"' in client.get("/datenschutz/").content.decode()
