"""Bad input on the subscription pages never gives a server error and saves
nothing half (the same values as tests/mlm/test_bad_input.py)."""

import pytest
from django.test import Client
from django.urls import reverse

from subscriptions.dates import company_today
from subscriptions.links import manage_key
from tests.mlm.test_bad_input import BAD_VALUES

from .conftest import IBAN, customer_data

SUBSCRIBE_FIELDS = {
    **customer_data(),
    "interval": "1",
    "first_date": "",
    "account_holder": "Kim Kunde",
    "iban": IBAN,
    "accept_mandate": "on",
    "accept_terms": "on",
    "accept_privacy": "on",
}


@pytest.mark.parametrize("bad", BAD_VALUES)
def test_bad_values_on_subscription_pages_are_answered_without_a_server_error(
    subscribe, cream, bad
):
    client = Client(raise_request_exception=False)
    subscription = subscribe(today=company_today())
    manage = reverse("subscriptions:manage", kwargs={"key": manage_key(subscription)})
    start = reverse("subscriptions:start")
    for field in ("product", "quantity", "interval", "from_cart", "ref"):
        data = {"product": cream.pk, "quantity": 1, "interval": 1, field: bad}
        assert client.post(start, data).status_code < 500, (field, bad)
        assert client.get(reverse("subscriptions:subscribe")).status_code < 500, (field, bad)
    client.post(start, {"product": cream.pk, "quantity": 1, "interval": 1})
    for field in SUBSCRIBE_FIELDS:
        data = {**SUBSCRIBE_FIELDS, "first_date": company_today().isoformat(), field: bad}
        data["email"] = data["email"] if field == "email" else "new@example.org"
        response = client.post(reverse("subscriptions:subscribe"), data)
        assert response.status_code < 500, (field, bad)
    for data in (
        {"action": bad},
        {"action": "move", "next_date": bad},
        {"action": "change", f"qty_{cream.pk}": bad},
        {"action": "change", "add_product": bad, "add_quantity": "1"},
        {"action": "bank", "account_holder": bad, "iban": bad, "accept_mandate": "on"},
    ):
        assert client.post(manage, data).status_code < 500, (data, bad)
    assert client.get(f"/abo/m/{bad[:200]}x/").status_code < 500
    for field in ("email", "number", "kind", "reason"):
        data = {
            "email": "kim@example.org",
            "number": "",
            "kind": "ordinary",
            "reason": "",
            field: bad,
        }
        assert client.post(reverse("subscriptions:cancel"), data).status_code < 500, (field, bad)
