"""Add to cart keeps the customer where they were (htmx) and says what to do
when it cannot add."""

import re

import pytest

HTMX = {"HTTP_HX_REQUEST": "true"}


def cart_count(html: str) -> str:
    match = re.search(r'<span id="cart-count" hx-swap-oob="true"[^>]*>(.*?)</span>\s*$', html, re.S)
    assert match, html
    return re.sub(r"<[^>]+>", "", match.group(1))


def test_htmx_add_answers_with_a_line_and_the_new_cart_count(client, soap):
    client.post("/cart/add/", {"product": soap.pk, "quantity": 2}, **HTMX)
    response = client.post("/cart/add/", {"product": soap.pk, "next": "/shop/"}, **HTMX)
    assert response.status_code == 200  # no redirect: the page stays
    html = response.content.decode()
    assert "“Seife” is in your cart." in html
    assert 'href="/cart/"' in html
    assert "3 items" in cart_count(html)
    assert client.session["cart"] == {str(soap.pk): 3}


def test_without_javascript_add_redirects_back_to_the_page(client, soap):
    response = client.post("/cart/add/", {"product": soap.pk, "next": "/shop/"})
    assert response.status_code == 302 and response.url == "/shop/"
    assert client.session["cart"] == {str(soap.pk): 1}


def test_a_full_line_says_how_many_are_there_and_what_to_do(client, soap):
    client.post("/cart/add/", {"product": soap.pk, "quantity": 99})
    html = client.post("/cart/add/", {"product": soap.pk}, **HTMX).content.decode()
    assert "You already have 99 of these in your cart" in html
    assert "place a second order" in html
    assert 'role="alert"' in html
    assert client.session["cart"] == {str(soap.pk): 99}


def test_adding_too_many_says_how_many_more_fit(client, soap):
    client.post("/cart/add/", {"product": soap.pk, "quantity": 97})
    html = client.post("/cart/add/", {"product": soap.pk, "quantity": 5}, **HTMX).content.decode()
    assert "You already have 97 of these in your cart; you can add at most 2 more." in html
    assert client.session["cart"] == {str(soap.pk): 97}


def test_a_product_no_longer_sold_says_so(client, soap):
    soap.is_active = False
    soap.save()
    html = client.post("/cart/add/", {"product": soap.pk}, **HTMX).content.decode()
    assert "this product is no longer available. Please choose another one." in html
    assert not client.session.get("cart")


@pytest.mark.parametrize("language, text", [("de", "Sie haben bereits 99 Stück")])
def test_the_error_speaks_german(client, soap, language, text):
    client.post("/cart/add/", {"product": soap.pk, "quantity": 99})
    html = client.post(
        "/cart/add/", {"product": soap.pk}, HTTP_ACCEPT_LANGUAGE=language, **HTMX
    ).content.decode()
    assert text in html


def test_shop_forms_target_their_own_status_line(client, soap):
    html = client.get("/shop/").content.decode()
    assert 'hx-target="next .add-status"' in html
    assert '<p class="add-status" aria-live="polite"></p>' in html
    assert 'id="cart-count"' in html  # where the count lands
