"""Checkout shows whom the customer came through, and names countries."""

import pytest

from tests.factories import PartnerFactory

from .helpers import CHECKOUT_FORM as CHECKOUT


@pytest.fixture
def anna(db):
    return PartnerFactory(slug="anna", first_name="Anna", last_name="Albers")


def came_through(client, partner, product):
    client.post("/cart/add/", {"product": product.pk, "ref": partner.slug})


def test_checkout_names_the_advisor_and_hides_the_code_field(client, anna, soap):
    came_through(client, anna, soap)
    html = client.get("/checkout/").content.decode()
    assert "Your advisor" in html
    assert 'data-testid="advisor">Anna Albers<' in html
    # the code is still possible, behind a disclosure
    assert '<details class="advisor-code"' in html and 'name="partner_code"' in html
    assert 'href="/anna/"' in html  # back to her page, not the company shop


def test_in_german_the_advisor_line_reads_naturally(client, anna, soap):
    came_through(client, anna, soap)
    html = client.get("/checkout/", HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert "Ihre Beratung" in html


def test_without_a_partner_the_code_field_is_shown_plainly(client, soap):
    client.post("/cart/add/", {"product": soap.pk})
    html = client.get("/checkout/").content.decode()
    assert "Your advisor" not in html
    assert "<details" not in html and 'name="partner_code"' in html
    assert 'href="/shop/"' in html


def test_no_privacy_checkbox_only_an_information_line(client, soap):
    client.post("/cart/add/", {"product": soap.pk})
    html = client.get("/checkout/").content.decode()
    assert "accept_privacy" not in html
    assert 'href="/datenschutz/"' in html
    data = {**CHECKOUT}
    data.pop("accept_privacy", None)
    response = client.post("/checkout/", data)
    assert response.status_code == 302  # no checkbox needed to go on


def test_country_select_shows_names(client, soap):
    client.post("/cart/add/", {"product": soap.pk})
    html = client.get("/checkout/", HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert '<option value="AT">Österreich</option>' in html


def test_confirmation_and_mail_name_the_country_and_lead_back_to_the_partner(
    client, anna, soap, mailoutbox, django_capture_on_commit_callbacks
):
    came_through(client, anna, soap)
    client.post("/checkout/", {**CHECKOUT, "country": "AT", "postal_code": "1010"})
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/checkout/place/", {"checkout_token": client.session["checkout_token"]}, follow=True
        )
    html = response.content.decode()
    assert "Austria" in html
    assert 'href="/anna/"' in html
    assert "Austria" in mailoutbox[0].body
    assert "\nAT\n" not in mailoutbox[0].body
