"""The customer's pages: subscribe from a product page, manage by the signed
link, cancel without signing in (§312k BGB)."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from orders.models import Order
from subscriptions.dates import company_today
from subscriptions.links import manage_key
from subscriptions.models import Subscription
from tests.factories import PartnerFactory

from .conftest import IBAN, customer_data


@pytest.mark.parametrize("path", ["/", "/shop/", "/agb/"])
def test_cancel_contracts_link_is_on_public_pages(client, db, path):
    html = client.get(path).content.decode()
    assert reverse("subscriptions:cancel") in html


def test_cancellation_without_signing_in_confirms_at_once_with_date_and_time(
    client, subscribe, mailoutbox, django_capture_on_commit_callbacks
):
    subscription = subscribe(today=company_today())
    other = subscribe(today=company_today(), data={"email": "other@example.org"})
    mailoutbox.clear()
    page = client.get(reverse("subscriptions:cancel"))
    assert page.status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(
            reverse("subscriptions:cancel"),
            {
                "email": " Kim@Example.org ",
                "number": "",
                "last_name": "kunde",
                "kind": "ordinary",
                "reason": "",
            },
        )
    assert done.status_code == 200
    subscription.refresh_from_db()
    other.refresh_from_db()
    assert subscription.status == Subscription.Status.CANCELLED
    assert other.status == Subscription.Status.ACTIVE
    assert len(mailoutbox) == 1
    receipt = mailoutbox[0]
    assert receipt.to == ["kim@example.org"]
    when = timezone.localtime(subscription.cancelled_at)
    assert when.strftime("%H:%M") in receipt.body and subscription.number in receipt.body


def test_cancellation_for_an_unknown_email_shows_the_same_page(
    client, db, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("subscriptions:cancel"),
            {"email": "nobody@example.org", "number": "ABO-XXXX", "kind": "ordinary"},
        )
    assert response.status_code == 200
    assert len(mailoutbox) == 1  # the receipt says nothing was found


def test_extraordinary_cancellation_needs_a_reason(client, db):
    response = client.post(
        reverse("subscriptions:cancel"), {"email": "kim@example.org", "kind": "extraordinary"}
    )
    assert response.status_code == 400
    assert 'id="id_reason_error"' in response.content.decode()


def test_signed_link_opens_and_changes_the_subscription(client, subscribe, cream):
    subscription = subscribe(today=company_today(), first_date=company_today() + timedelta(days=3))
    url = reverse("subscriptions:manage", kwargs={"key": manage_key(subscription)})
    page = client.get(url)
    assert page.status_code == 200 and subscription.number in page.content.decode()
    client.post(url, {"action": "change", f"qty_{cream.pk}": "3"})
    assert subscription.lines.get().quantity == 3
    client.post(url, {"action": "skip"})
    subscription.refresh_from_db()
    assert subscription.next_date > company_today() + timedelta(days=3)
    client.post(url, {"action": "pause"})
    subscription.refresh_from_db()
    assert subscription.status == Subscription.Status.PAUSED
    client.post(url, {"action": "cancel"})
    subscription.refresh_from_db()
    assert subscription.status == Subscription.Status.CANCELLED


def test_move_to_a_past_date_is_a_field_error(client, subscribe):
    subscription = subscribe(today=company_today(), first_date=company_today() + timedelta(days=3))
    url = reverse("subscriptions:manage", kwargs={"key": manage_key(subscription)})
    response = client.post(url, {"action": "move", "next_date": "2020-01-01"})
    assert response.status_code == 400
    assert 'id="id_next_date_error"' in response.content.decode()


def test_tampered_or_old_link_opens_nothing(client, subscribe):
    subscription = subscribe(today=company_today())
    key = manage_key(subscription)
    assert client.get(reverse("subscriptions:manage", kwargs={"key": key + "x"})).status_code == 404
    Subscription.objects.filter(pk=subscription.pk).update(token="renewed")
    assert client.get(reverse("subscriptions:manage", kwargs={"key": key})).status_code == 404


def test_customer_subscribes_from_a_partners_product_page(client, cream, mailoutbox):
    anna = PartnerFactory(slug="anna", first_name="Anna", last_name="Albers")
    product_page = client.get(f"/shop/p/{cream.pk}/?ref=anna")
    assert reverse("subscriptions:start") in product_page.content.decode()
    client.post(
        reverse("subscriptions:start"),
        {"product": cream.pk, "quantity": 2, "interval": 2, "ref": "anna"},
    )
    form = client.get(reverse("subscriptions:subscribe"))
    body = form.content.decode()
    assert "SEPA" in body and "10" in body  # mandate text and the discount before ordering
    # As at the order checkout: the advisor the customer came through, not an empty code field
    assert 'data-testid="advisor">Anna Albers<' in body
    today = company_today()
    data = customer_data(
        interval=2,
        first_date=today.isoformat(),
        account_holder="Kim Kunde",
        iban=IBAN,
        accept_mandate="on",
        accept_terms="on",
        accept_privacy="on",
    )
    response = client.post(reverse("subscriptions:subscribe"), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    subscription = Subscription.objects.get()
    assert subscription.partner == anna and subscription.interval == 2
    order = Order.objects.get()
    assert order.attributed_partner == anna
    assert "/abo/m/" in response["Location"]


def test_subscribe_form_errors_are_tied_to_fields(client, cream):
    client.post(reverse("subscriptions:start"), {"product": cream.pk, "quantity": 1, "interval": 1})
    response = client.post(
        reverse("subscriptions:subscribe"), customer_data(iban="XX00", interval=1)
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert 'id="id_first_date_error"' in body or 'id="id_accept_mandate_error"' in body
    assert not Subscription.objects.exists()


def test_subscribe_page_without_a_choice_goes_to_the_shop(client, db):
    assert client.get(reverse("subscriptions:subscribe"))["Location"] == reverse("landing:shop")


def test_the_whole_cart_becomes_a_subscription_with_the_discount_shown(client, cream):
    client.post(reverse("orders:cart_add"), {"product": cream.pk, "quantity": 3})
    cart = client.get(reverse("orders:cart")).content.decode()
    assert reverse("subscriptions:start") in cart
    client.post(reverse("subscriptions:start"), {"from_cart": "1", "interval": "3"})
    page = client.get(reverse("subscriptions:subscribe")).content.decode()
    assert "81,00" in page  # 3 x 30.00 less 10 %
    assert "−9,00" in page  # the saving, before ordering


def test_new_bank_details_move_waiting_debits_and_revoke_the_old_mandate(client, subscribe):
    from payouts.models import DebitMandate, OrderDebit

    subscription = subscribe(today=company_today())  # the first order waits for its debit
    old = subscription.mandate
    url = reverse("subscriptions:manage", kwargs={"key": manage_key(subscription)})
    bad = client.post(
        url, {"action": "bank", "account_holder": "Kim", "iban": "DE00", "accept_mandate": "on"}
    )
    assert bad.status_code == 400 and 'id="id_iban_error"' in bad.content.decode()
    client.post(
        url,
        {
            "action": "bank",
            "account_holder": "Kim Kunde",
            "iban": "DE02 1203 0000 0000 2020 51",
            "accept_mandate": "on",
        },
    )
    subscription.refresh_from_db()
    old.refresh_from_db()
    assert subscription.mandate != old and subscription.mandate.iban == "DE02120300000000202051"
    assert old.status == DebitMandate.Status.REVOKED
    assert OrderDebit.objects.get().mandate == subscription.mandate
