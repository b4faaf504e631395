import re
from decimal import Decimal

import pytest
from django.core.cache import caches

from tests.factories import PartnerFactory, ProductFactory


@pytest.fixture(autouse=True)
def _clean_caches(settings):
    # Messages are asserted in the source language (English); German formats are
    # checked with an explicit Accept-Language header.
    settings.LANGUAGE_CODE = "en"
    for cache in caches.all():
        cache.clear()
    yield
    for cache in caches.all():
        cache.clear()


@pytest.fixture
def anna(db):
    return PartnerFactory(slug="anna", first_name="Anna", last_name="Albers")


@pytest.fixture
def soap(db):
    return ProductFactory(name="Seife", price=Decimal("12.50"), qv=Decimal("10.00"), sort_order=1)


def visitor_bits(client, page: str = "/anna/", **headers) -> dict:
    """What static/js/visitor.js fetches after a public page has loaded."""
    path = page.split("?")[0]
    url = "/shop/me/" if path.startswith("/shop/") else f"{path}me/"
    query = page.split("?", 1)[1] if "?" in page else ""
    ref = re.search(r"(?:^|&)ref=([^&]*)", query)
    if ref:
        url += f"?ref={ref.group(1)}&next={page}"
    else:
        url += f"?next={page}"
    response = client.get(url, **headers)
    assert response.status_code == 200, response.content[:500]
    return response.json()


def add_to_cart_from(client, page: str, product, **headers):
    """Load a public page, fetch its per-visitor bits and press the product's
    "Add to cart" as visitor.js makes it: a POST with the page's hidden fields
    (product, next, the partner the page is scoped to) and the visitor's token."""
    html = client.get(page, **headers).content.decode()
    visitor_bits(client, page, **headers)
    # visitor.js: the token from the CSRF cookie, or asked for by a visitor without one
    cookie_name = re.search(r'data-csrf-cookie="([^"]+)"', html).group(1)
    if cookie_name in client.cookies:
        token = client.cookies[cookie_name].value
    else:
        token_url = re.search(r'data-token-url="([^"]+)"', html).group(1)
        token = client.get(token_url, **headers).json()["csrf"]
    form = re.search(
        rf'<form method="get" action="/shop/p/{product.pk}/" data-post-action="([^"]+)"[^>]*>(.*?)</form>',
        html,
        re.S,
    )
    assert form, "no add-to-cart form for this product"
    fields = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)">', form.group(2)))
    return client.post(form.group(1), {**fields, "csrfmiddlewaretoken": token}, **headers)
