import re
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from orders.models import Customer, Order, OrderTransition
from orders.pricing import totals_for, vat_contained

pytestmark = pytest.mark.django_db


def test_totals_include_vat_per_rate_and_the_flat_shipping_fee_below_the_threshold(
    place, soap, cream, settings
):
    settings.SHIPPING_FLAT_FEE, settings.SHIPPING_FREE_FROM = Decimal("4.90"), Decimal("50.00")
    order = place(lines={soap.pk: 1, cream.pk: 1})  # 12.50 @19 % + 29.90 @7 %
    assert order.subtotal == Decimal("42.40")
    assert order.shipping == Decimal("4.90")
    assert order.total == Decimal("47.30")
    # shipping VAT follows the goods: 12.50/42.40 of 4.90 at 19 %, the rest at 7 %
    ship19 = Decimal("1.44")
    assert order.vat_total == vat_contained(
        Decimal("12.50") + ship19, Decimal("19")
    ) + vat_contained(Decimal("29.90") + Decimal("4.90") - ship19, Decimal("7"))


def test_shipping_is_free_from_the_threshold(place, cream, settings):
    settings.SHIPPING_FREE_FROM = Decimal("50.00")
    order = place(lines={cream.pk: 2})
    assert order.shipping == Decimal("0") and order.total == Decimal("59.80")


def test_pricing_keeps_decimals_exact():
    totals = totals_for([(Decimal("0.10"), Decimal("19"), 3)])
    assert totals.subtotal == Decimal("0.30") and isinstance(totals.vat_total, Decimal)


def test_order_number_is_human_friendly_and_unique(place):
    numbers = {place(email=f"k{i}@example.org").number for i in range(5)}
    assert len(numbers) == 5
    assert all(re.fullmatch(r"\d{4}-[A-HJ-NP-Z2-9]{6}", n) for n in numbers)


def test_placing_starts_the_history_with_pending(place):
    order = place()
    assert order.status == Order.Status.PENDING
    assert list(
        OrderTransition.objects.filter(order=order).values_list("from_status", "to_status")
    ) == [("", "pending")]


def test_same_checkout_token_twice_gives_one_order(place, soap):
    first = place(token="tok-123")
    second = place(token="tok-123", lines={})  # a resubmit after the cart was emptied
    assert first.pk == second.pk
    assert Order.objects.count() == 1


@pytest.mark.parametrize(
    "change, field",
    [
        ({"email": "not-an-email"}, "email"),
        ({"email": ""}, "email"),
        ({"postal_code": "1011"}, "postal_code"),  # DE needs 5 digits
        ({"postal_code": "10115", "country": "AT"}, "postal_code"),  # AT has 4
        ({"country": "US"}, "country"),
        ({"street": ""}, "street"),
        ({"code": "nobody"}, "partner_code"),
        ({"payment_method": "bitcoin"}, "payment_method"),
    ],
)
def test_bad_customer_input_is_refused_at_its_field_and_nothing_is_saved(place, change, field):
    with pytest.raises(ValidationError) as excinfo:
        place(**change)
    assert field in excinfo.value.message_dict
    assert not Order.objects.exists() and not Customer.objects.exists()


def test_empty_cart_is_refused(place):
    with pytest.raises(ValidationError) as excinfo:
        place(lines={})
    assert "cart" in excinfo.value.message_dict
    assert not Order.objects.exists()


def test_product_deactivated_meanwhile_is_refused_at_its_line(place, soap, cream):
    cream.is_active = False
    cream.save()
    with pytest.raises(ValidationError) as excinfo:
        place(lines={soap.pk: 1, cream.pk: 1})
    assert "Creme" in excinfo.value.message_dict[f"line_{cream.pk}"][0]
    assert not Order.objects.exists()


@pytest.mark.parametrize("qty", [0, 100, -1])
def test_quantity_out_of_range_is_refused(place, soap, qty):
    with pytest.raises(ValidationError) as excinfo:
        place(lines={soap.pk: qty})
    assert f"line_{soap.pk}" in excinfo.value.message_dict
    assert not Order.objects.exists()


def test_other_postal_code_formats(place, settings):
    settings.SHIP_TO_COUNTRIES = ["DE", "AT", "NL"]
    assert place(country="AT", postal_code="1010").postal_code == "1010"
    assert (
        place(country="NL", postal_code="1011 ab", email="nl@example.org").postal_code == "1011 AB"
    )


def test_confirmation_email_is_sent_after_commit_in_the_customers_language(
    place, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        order = place(email="Karla@Example.org")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["karla@example.org"]
    assert order.number in message.subject and order.number in message.body
    assert "IBAN" in message.body  # prepayment: bank details
