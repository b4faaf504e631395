from decimal import Decimal

import pytest
from django.core import mail
from django.test import Client

from orders.models import Customer, Order
from partners.models import Partner
from partners.services import partner_set_status
from tests.orders.helpers import CHECKOUT_FORM, checkout

pytestmark = pytest.mark.django_db


def nothing_saved():
    return not Order.objects.exists() and not Customer.objects.exists()


# -- cart


def test_cart_add_change_and_remove_with_prices_vat_and_shipping(client, soap, cream):
    client.post("/cart/add/", {"product": soap.pk})
    client.post("/cart/add/", {"product": soap.pk})
    client.post("/cart/add/", {"product": cream.pk})
    assert client.session["cart"] == {str(soap.pk): 2, str(cream.pk): 1}

    client.post("/cart/update/", {"product": cream.pk, "quantity": 3})
    html = client.get("/cart/", HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert "89,70\u00a0€" in html  # 3 x 29.90, German format
    html = client.get("/cart/").content.decode()
    assert "incl. 19\u00a0% VAT" in html and "incl. 7\u00a0% VAT" in html
    assert "Shipping" in html

    client.post("/cart/update/", {"product": cream.pk, "remove": "1"})
    assert client.session["cart"] == {str(soap.pk): 2}


def test_shipping_fee_is_shown_below_the_threshold_and_free_above(client, soap, settings):
    settings.SHIPPING_FLAT_FEE, settings.SHIPPING_FREE_FROM = Decimal("4.90"), Decimal("50.00")
    client.post("/cart/add/", {"product": soap.pk})
    assert "4.90\u00a0€" in client.get("/cart/").content.decode()
    client.post("/cart/update/", {"product": soap.pk, "quantity": 4})
    assert "free" in client.get("/cart/").content.decode()


@pytest.mark.parametrize("qty", ["100", "-1", "abc"])
def test_quantity_out_of_range_is_refused_at_the_line_and_the_cart_stays(client, soap, qty):
    client.post("/cart/add/", {"product": soap.pk})
    response = client.post("/cart/update/", {"product": soap.pk, "quantity": qty})
    assert response.status_code == 400
    assert 'aria-invalid="true"' in response.content.decode()
    assert client.session["cart"] == {str(soap.pk): 1}


def test_adding_beyond_the_maximum_quantity_is_refused(client, soap):
    client.post("/cart/add/", {"product": soap.pk, "quantity": 99})
    response = client.post("/cart/add/", {"product": soap.pk}, follow=True)
    assert "You already have 99 of these in your cart" in response.content.decode()
    assert client.session["cart"] == {str(soap.pk): 99}


def test_inactive_product_cannot_be_added(client, soap):
    soap.is_active = False
    soap.save()
    client.post("/cart/add/", {"product": soap.pk})
    assert not client.session.get("cart")


def test_add_to_cart_never_redirects_to_another_site(client, soap):
    response = client.post("/cart/add/", {"product": soap.pk, "next": "https://evil.example/"})
    assert response.url == "/cart/"


# -- checkout


def test_guest_checkout_review_place_and_confirmation(
    client, soap, django_capture_on_commit_callbacks
):
    client.post("/cart/add/", {"product": soap.pk})
    assert client.get("/checkout/").status_code == 200
    response = client.post("/checkout/", CHECKOUT_FORM)
    assert response.url == "/checkout/review/"
    review = client.get("/checkout/review/").content.decode()
    assert "Lindenweg 5" in review and "Order with obligation to pay" in review

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/checkout/place/", {"checkout_token": client.session["checkout_token"]}
        )

    order = Order.objects.get()
    assert response.url == f"/order/{order.number}/"
    page = client.get(response.url).content.decode()
    assert order.number in page and "IBAN" in page
    assert "cart" not in client.session
    assert len(mail.outbox) == 1 and order.number in mail.outbox[0].subject


def test_double_click_reload_and_back_button_never_create_a_second_order(client, soap):
    order = checkout(client, soap)
    token = order.checkout_token
    again = client.post("/checkout/place/", {"checkout_token": token})  # double click / reload
    assert again.url == f"/order/{order.number}/"
    client.get("/checkout/review/")  # back button
    again = client.post("/checkout/place/", {"checkout_token": token})
    assert again.url == f"/order/{order.number}/"
    assert Order.objects.count() == 1


def test_next_checkout_gets_a_new_token(client, soap):
    first = checkout(client, soap)
    second = checkout(client, soap)
    assert first.pk != second.pk and first.checkout_token != second.checkout_token


def test_out_of_date_checkout_form_is_refused(client, soap):
    client.post("/cart/add/", {"product": soap.pk})
    client.post("/checkout/", CHECKOUT_FORM)
    response = client.post("/checkout/place/", {"checkout_token": "forged"}, follow=True)
    assert "out of date" in response.content.decode()
    assert nothing_saved()


def test_checkout_with_an_empty_cart_says_so_and_saves_nothing(client, soap):
    response = client.post("/checkout/", CHECKOUT_FORM)
    assert response.status_code == 400
    assert "Your cart is empty" in response.content.decode()
    assert nothing_saved() and "checkout" not in client.session


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("email", "karla(at)example.org", "valid e-mail"),
        ("postal_code", "1234", "not a valid postal code for Germany"),
        ("postal_code", "ABCDE", "not a valid postal code"),
        ("partner_code", "nobody", "There is no partner with the code"),
        ("accept_terms", "", "accept the terms"),
        ("first_name", "", "required"),
    ],
)
def test_bad_input_gets_a_message_at_its_field_and_nothing_is_saved(
    client, soap, field, value, message
):
    client.post("/cart/add/", {"product": soap.pk})
    data = {**CHECKOUT_FORM, field: value}
    if not value:
        data.pop(field)
    response = client.post("/checkout/", data)
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert field in errors and message in " ".join(errors[field])
    html = response.content.decode()
    assert f'id="id_{field}_error"' in html  # shown next to the field, linked for screen readers
    assert nothing_saved() and "checkout" not in client.session


def test_inactive_partner_code_is_refused_at_the_field(client, soap, partner):
    partner_set_status(partner=partner, status=Partner.Status.INACTIVE, reason="pause")
    client.post("/cart/add/", {"product": soap.pk})
    response = client.post("/checkout/", {**CHECKOUT_FORM, "partner_code": "anna"})
    assert "is not active" in " ".join(response.context["form"].errors["partner_code"])
    assert nothing_saved()


def test_product_deactivated_between_review_and_placing_is_shown_at_its_line(client, soap, cream):
    client.post("/cart/add/", {"product": soap.pk})
    client.post("/cart/add/", {"product": cream.pk})
    client.post("/checkout/", CHECKOUT_FORM)
    cream.is_active = False
    cream.save()
    response = client.post("/checkout/place/", {"checkout_token": client.session["checkout_token"]})
    assert response.status_code == 400
    html = response.content.decode()
    assert "no longer available" in html and f'id="line-{cream.pk}"' in html
    assert nothing_saved()


def test_partner_code_that_became_inactive_before_placing_is_refused(client, soap, partner):
    client.post("/cart/add/", {"product": soap.pk})
    client.post("/checkout/", {**CHECKOUT_FORM, "partner_code": "anna"})
    partner_set_status(partner=partner, status=Partner.Status.INACTIVE, reason="pause")
    response = client.post("/checkout/place/", {"checkout_token": client.session["checkout_token"]})
    assert response.status_code == 400 and 'id="error-partner_code"' in response.content.decode()
    assert nothing_saved()


def test_confirmation_page_is_only_for_the_visitor_who_ordered(client, soap, admin_client):
    order = checkout(client, soap)
    assert Client().get(f"/order/{order.number}/").status_code == 404
    assert admin_client.get(f"/order/{order.number}/").status_code == 200


def test_signed_in_partner_checkout_is_their_own_order(client, soap, partner):
    client.force_login(partner.user)
    order = checkout(client, soap, email="geschenk@example.org")
    assert (order.attributed_partner, order.attribution) == (partner, Order.Attribution.SELF)
