"""Stock: reserved when an order is placed, given back on cancellation, shown as
"sold out" / "only N left", and the shop page's cache follows only what it shows."""

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from orders.events import catalogue_changed
from orders.models import Order, Product
from orders.services import order_cancel
from orders.stock import stock_badge
from tests.factories import ProductFactory

from .helpers import CHECKOUT_FORM

pytestmark = pytest.mark.django_db


@pytest.fixture
def announced():
    """The catalogue_changed signals sent (what drops the public page cache)."""
    sent = []

    def listener(sender, **kwargs):
        sent.append(sender)

    catalogue_changed.connect(listener)
    yield sent
    catalogue_changed.disconnect(listener)


def test_placing_an_order_takes_its_quantities_from_stock(place, soap):
    Product.objects.filter(pk=soap.pk).update(stock=10)
    order = place(lines={soap.pk: 3})
    soap.refresh_from_db()
    assert soap.stock == 7
    assert order.lines.get().stock_reserved is True


def test_a_product_without_stock_tracking_is_always_available(place, soap):
    order = place(lines={soap.pk: 50})
    soap.refresh_from_db()
    assert soap.stock is None and order.lines.get().stock_reserved is False


def test_ordering_more_than_is_left_is_refused_and_nothing_is_written(place, soap, cream):
    Product.objects.filter(pk=soap.pk).update(stock=5)
    Product.objects.filter(pk=cream.pk).update(stock=2)
    with pytest.raises(ValidationError) as exc:
        place(lines={soap.pk: 1, cream.pk: 3})
    assert "Only 2 of “Creme” are left" in exc.value.message_dict[f"line_{cream.pk}"][0]
    assert Order.objects.count() == 0
    soap.refresh_from_db()
    assert soap.stock == 5  # the soap's reservation went back with the refused order


def test_a_sold_out_product_is_refused_with_a_clear_message(place, soap):
    Product.objects.filter(pk=soap.pk).update(stock=0)
    with pytest.raises(ValidationError) as exc:
        place(lines={soap.pk: 1})
    assert exc.value.message_dict[f"line_{soap.pk}"] == [
        "“Seife” is sold out. Please remove it from your cart."
    ]


def test_cancelling_an_order_gives_its_stock_back_once(place, soap):
    Product.objects.filter(pk=soap.pk).update(stock=4)
    order = place(lines={soap.pk: 3})
    order_cancel(order=order, reason="customer called")
    soap.refresh_from_db()
    assert soap.stock == 4
    assert order.lines.get().stock_reserved is False


@pytest.mark.parametrize(
    ("stock", "state", "left"),
    [(None, "available", None), (6, "available", None), (5, "low", 5), (1, "low", 1)]
    + [(0, "sold_out", None)],
)
def test_the_badge_says_sold_out_or_only_n_left(stock, state, left, settings):
    settings.STOCK_LOW_THRESHOLD = 5
    badge = stock_badge(stock)
    assert (badge.state, badge.left) == (state, left)


def test_the_page_cache_is_dropped_only_when_the_badge_changes(place, soap, announced, settings):
    settings.STOCK_LOW_THRESHOLD = 3
    Product.objects.filter(pk=soap.pk).update(stock=10)
    place(lines={soap.pk: 2}, email="a@example.org")  # 10 -> 8: nothing shown changes
    assert announced == []
    place(lines={soap.pk: 5}, email="b@example.org")  # 8 -> 3: "only 3 left"
    assert len(announced) == 1
    place(lines={soap.pk: 3}, email="c@example.org")  # 3 -> 0: "sold out"
    assert len(announced) == 2


def test_the_shop_shows_sold_out_and_only_n_left_and_no_button_when_sold_out(soap, cream):
    Product.objects.filter(pk=soap.pk).update(stock=0)
    Product.objects.filter(pk=cream.pk).update(stock=3)
    html = Client().get("/shop/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    soap_card = html[html.index("Seife") : html.index("Creme")]
    assert "Sold out" in soap_card and "Add to cart" not in soap_card
    assert "Only 3 left" in html[html.index("Creme") :]


def test_the_german_shop_says_ausverkauft(soap):
    Product.objects.filter(pk=soap.pk).update(stock=0)
    html = Client().get("/shop/", HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert "Ausverkauft" in html


def test_the_shop_page_shows_sold_out_after_the_last_unit_sold(place, soap):
    Product.objects.filter(pk=soap.pk).update(stock=1)
    assert "Sold out" not in Client().get("/shop/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    place(lines={soap.pk: 1})
    assert "Sold out" in Client().get("/shop/", HTTP_ACCEPT_LANGUAGE="en").content.decode()


def test_the_cart_refuses_more_than_is_left(client, soap):
    Product.objects.filter(pk=soap.pk).update(stock=2)
    client.post("/cart/add/", {"product": soap.pk, "quantity": 2})
    response = client.post("/cart/add/", {"product": soap.pk, "quantity": 1}, follow=True)
    assert "Only 2 of “Seife” are left" in response.content.decode()
    assert client.session["cart"] == {str(soap.pk): 2}


def test_the_cart_marks_a_line_that_sold_out_meanwhile(client, soap):
    Product.objects.filter(pk=soap.pk).update(stock=3)
    client.post("/cart/add/", {"product": soap.pk, "quantity": 2})
    Product.objects.filter(pk=soap.pk).update(stock=0)
    html = client.get("/cart/").content.decode()
    assert "“Seife” is sold out. Please remove it from your cart." in html
    assert "Proceed to checkout" not in html


def test_placing_after_it_sold_out_meanwhile_shows_the_review_with_the_reason(client, soap):
    Product.objects.filter(pk=soap.pk).update(stock=1)
    client.post("/cart/add/", {"product": soap.pk})
    client.post("/checkout/", CHECKOUT_FORM)
    token = client.session["checkout_token"]
    Product.objects.filter(pk=soap.pk).update(stock=0)  # another customer was faster
    response = client.post("/checkout/place/", {"checkout_token": token})
    assert response.status_code == 400
    assert "“Seife” is sold out" in response.content.decode()
    assert Order.objects.count() == 0 and client.session["cart"] == {str(soap.pk): 1}


def test_admins_see_low_stock_on_the_admin_home(admin_client, soap, settings):
    settings.STOCK_LOW_THRESHOLD = 5
    ProductFactory(name="Plenty", stock=50)
    Product.objects.filter(pk=soap.pk).update(stock=2)
    html = admin_client.get("/admin/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    section = html[html.index('id="low-stock"') :]
    assert "Seife" in section and "Plenty" not in section


def test_a_product_saved_with_negative_stock_is_refused_by_the_database(soap):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Product.objects.filter(pk=soap.pk).update(stock=-1)


@pytest.fixture
def intake(db):
    from rest_framework.test import APIClient

    from orders.models import CompanyApiKey
    from orders.services import company_api_key_create

    _key, raw = company_api_key_create(
        name="Shopify", source="shopify", scopes=[CompanyApiKey.Scope.ORDERS_WRITE]
    )
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


def intake_order(client, external_id, **extra):
    import uuid

    body = {
        "external_id": external_id,
        "customer": {"email": "karla@example.org", "first_name": "Karla", "last_name": "K"},
        "lines": [{"sku": "SOAP-01", "quantity": 2, "unit_price": "12.50"}],
        **extra,
    }
    return client.post(
        "/api/v1/orders", body, format="json", HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4())
    )


def test_the_intake_api_reserves_stock_and_refuses_a_sold_out_product(intake, soap):
    Product.objects.filter(pk=soap.pk).update(sku="SOAP-01", stock=3)
    assert intake_order(intake, "1001").status_code == 201
    soap.refresh_from_db()
    assert soap.stock == 1
    response = intake_order(intake, "1002")
    assert response.status_code == 409
    assert "Only 1 of “Seife” is left" in response.json()["lines"][0]


def test_a_shop_that_keeps_its_stock_itself_reserves_nothing(intake, soap):
    Product.objects.filter(pk=soap.pk).update(sku="SOAP-01", stock=1)
    assert intake_order(intake, "1001", stock_kept_by_shop=True).status_code == 201
    soap.refresh_from_db()
    assert soap.stock == 1


def test_an_admin_editing_the_price_does_not_give_back_units_sold_meanwhile(
    admin_client, place, soap
):
    Product.objects.filter(pk=soap.pk).update(stock=5)
    form = admin_client.get(f"/admin/orders/product/{soap.pk}/change/")
    assert form.status_code == 200
    place(lines={soap.pk: 2})  # sold while the admin had the form open (stock 3)
    data = {
        "name": "Seife",
        "sku": "",
        "description": "",
        "price": "13.00",
        "tax_class": "standard",
        "qv": "10.00",
        "cv": "0",
        "stock": "5",  # what the form showed
        "is_active": "on",
        "sort_order": "1",
    }
    response = admin_client.post(
        f"/admin/orders/product/{soap.pk}/change/", {**data, "initial-stock": "5"}
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    soap.refresh_from_db()
    assert soap.price == 13 and soap.stock == 3
    response = admin_client.post(
        f"/admin/orders/product/{soap.pk}/change/", {**data, "stock": "8", "initial-stock": "3"}
    )
    soap.refresh_from_db()
    assert soap.stock == 8  # counted the shelf: the admin's number stands
