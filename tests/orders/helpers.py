"""Drive the guest checkout through the real views (shared by orders and landing tests)."""

from orders.models import Order

CHECKOUT_FORM = {
    "email": "kunde@example.org",
    "first_name": "Karla",
    "last_name": "Kundin",
    "street": "Lindenweg 5",
    "postal_code": "10115",
    "city": "Berlin",
    "country": "DE",
    "partner_code": "",
    "payment_method": "prepayment",
    "accept_terms": "on",
}


def checkout(client, product, **changes) -> Order:
    """Add `product`, fill the checkout form (with `changes`), place the order."""
    client.post("/cart/add/", {"product": product.pk})
    response = client.post("/checkout/", {**CHECKOUT_FORM, **changes})
    assert response.status_code == 302, response.content.decode()[:2000]
    response = client.post("/checkout/place/", {"checkout_token": client.session["checkout_token"]})
    assert response.status_code == 302, response.content.decode()[:2000]
    return Order.objects.get(number=response.url.rstrip("/").rsplit("/", 1)[-1])


def staff_client(client, *permissions: str):
    """`client` logged in as a staff user who holds only `permissions`
    ("app_label.codename"), e.g. the view permissions of a support agent."""
    from django.contrib.auth.models import Permission

    from tests.factories import UserFactory

    user = UserFactory(is_staff=True)
    for name in permissions:
        app_label, codename = name.split(".")
        user.user_permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
        )
    client.force_login(user)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client
