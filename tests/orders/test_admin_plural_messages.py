"""Admin messages count in real plural forms, in German as in English:
"1 Bestellung als bezahlt markiert", "2 Bestellungen als bezahlt markiert"."""

import pytest
from django.contrib.messages import get_messages

from orders.models import Product
from tests.factories import ProductFactory

pytestmark = pytest.mark.django_db


def post_action(client, url, name, objects, language):
    client.cookies["django_language"] = language
    response = client.post(
        url, {"action": name, "_selected_action": [o.pk for o in objects]}, follow=True
    )
    return [str(m) for m in get_messages(response.wsgi_request)]


@pytest.mark.parametrize(
    ("language", "one", "two"),
    [
        ("de", "1 Bestellung als bezahlt markiert.", "2 Bestellungen als bezahlt markiert."),
        ("en", "1 order marked as paid.", "2 orders marked as paid."),
    ],
)
def test_marking_orders_paid_counts_them_in_the_admins_language(
    admin_client, place, language, one, two
):
    first, second, third = (place(email=f"k{i}@example.org") for i in range(3))

    assert one in post_action(admin_client, "/admin/orders/order/", "mark_paid", [first], language)
    assert two in post_action(
        admin_client, "/admin/orders/order/", "mark_paid", [second, third], language
    )


def test_one_product_activated_is_one_produkt(admin_client):
    product = ProductFactory(is_active=False)

    messages = post_action(admin_client, "/admin/orders/product/", "activate", [product], "de")

    assert "1 Produkt aktiviert." in messages
    assert Product.objects.get(pk=product.pk).is_active
