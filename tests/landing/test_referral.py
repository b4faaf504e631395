"""Referral memory (spec 3.3b, TDDDG 25): the public pages carry the partner in
their URLs; the first action (add to cart, consent) puts the referral into the
session; the signed cookie only after consent."""

import time
from datetime import timedelta
from unittest import mock

import pytest
from django.conf import settings as django_settings
from django.test import Client

from orders.models import Order
from orders.referral import CONSENT_COOKIE
from partners.models import Partner
from partners.services import partner_set_status
from tests.factories import PartnerFactory
from tests.orders.helpers import checkout

from .conftest import add_to_cart_from, visitor_bits

pytestmark = pytest.mark.django_db
A = Order.Attribution
REF = django_settings.REFERRAL_COOKIE_NAME


@pytest.fixture
def ben(db):
    return PartnerFactory(slug="ben", first_name="Ben", last_name="Berger")


def test_adding_to_cart_on_a_shop_scoped_by_ref_remembers_the_partner(client, anna, soap):
    html = client.get("/shop/?ref=anna").content.decode()
    assert "Recommended by Anna Albers" in html and 'href="/cart/?ref=anna"' in html
    add_to_cart_from(client, "/shop/?ref=anna", soap)
    assert client.session["referral"]["slug"] == "anna"
    assert REF not in client.cookies  # no consent, no cookie
    order = checkout(client, soap)
    assert (order.attributed_partner, order.attribution, order.referral_slug) == (
        anna,
        A.LANDING,
        "anna",
    )


@pytest.mark.parametrize("status", [None, Partner.Status.INACTIVE, Partner.Status.TERMINATED])
def test_ref_to_an_unknown_or_inactive_partner_is_ignored(client, anna, soap, status):
    slug = "anna" if status else "nobody"
    if status:
        partner_set_status(partner=anna, status=status, reason="test")
    add_to_cart_from(client, f"/shop/?ref={slug}", soap)
    client.post("/cart/add/", {"product": soap.pk, "ref": slug})  # an old page's form
    assert "referral" not in client.session
    assert checkout(client, soap).attribution == A.NONE


def test_adding_to_cart_on_a_landing_page_attributes_a_new_customer(client, anna, soap):
    add_to_cart_from(client, "/anna/", soap)
    order = checkout(client, soap)
    assert (order.attributed_partner, order.attribution) == (anna, A.LANDING)


def test_the_product_page_and_the_cart_of_a_partner_page_stay_theirs(client, anna, soap):
    page = client.get(f"/shop/p/{soap.pk}/?ref=anna&next=/anna/").content.decode()
    assert 'name="ref" value="anna"' in page
    add_to_cart_from(client, "/anna/", soap)
    assert client.get("/cart/?ref=anna").status_code == 200


def test_most_recent_partner_page_wins(client, anna, ben, soap):
    add_to_cart_from(client, "/anna/", soap)
    add_to_cart_from(client, "/ben/", soap)
    assert checkout(client, soap).attributed_partner == ben


def test_code_at_checkout_beats_the_landing_page(client, anna, ben, soap):
    add_to_cart_from(client, "/anna/", soap)
    order = checkout(client, soap, partner_code="Ben")
    assert (order.attributed_partner, order.attribution, order.referral_code) == (
        ben,
        A.CODE,
        "ben",
    )


def test_session_referral_expires_with_the_attribution_window(client, anna, soap, settings):
    settings.ATTRIBUTION_WINDOW_DAYS = 30
    add_to_cart_from(client, "/anna/", soap)
    session = client.session
    session["referral"]["at"] = time.time() - timedelta(days=31).total_seconds()
    session.save()
    assert checkout(client, soap).attribution == A.NONE


def test_a_new_session_key_on_sign_in_keeps_cart_and_referral(
    client, anna, soap, django_user_model
):
    add_to_cart_from(client, "/anna/", soap)
    old_key = client.cookies["sessionid"].value
    client.force_login(
        django_user_model.objects.create_user(email="k@example.com", password="x" * 12)
    )
    assert client.cookies["sessionid"].value != old_key
    assert client.session["referral"]["slug"] == "anna" and client.session["cart"]


# -- consent banner


def test_banner_asks_only_visitors_with_a_referral_and_offers_two_equal_answers(anna, soap):
    assert visitor_bits(Client(), "/anna/")["banner"] == ""  # only looking: nothing to ask
    visitor = Client()
    add_to_cart_from(visitor, "/anna/", soap)
    html = visitor_bits(visitor, "/anna/")["banner"]
    assert "consent-banner" in html and "Anna Albers" in html
    assert 'value="accept" class="btn btn-secondary"' in html
    assert 'value="decline" class="btn btn-secondary"' in html  # same look, no dark pattern
    assert 'name="next" value="/anna/"' in html
    assert 'data-post-action="/consent/"' in html  # visitor.js adds the token
    assert "consent-banner" in visitor.get("/cart/").content.decode()


def test_no_referral_cookie_without_consent(client, anna, soap):
    response = add_to_cart_from(client, "/anna/", soap)
    assert REF not in response.cookies
    assert CONSENT_COOKIE not in response.cookies


def test_accepting_sets_the_consent_and_the_signed_referral_cookie_for_the_window(
    client, anna, soap, settings
):
    add_to_cart_from(client, "/anna/", soap)
    response = client.post("/consent/", {"choice": "accept", "next": "/anna/"})
    assert response.status_code == 302 and response.url == "/anna/"
    assert response.cookies[CONSENT_COOKIE].value == "accepted"
    cookie = response.cookies[REF]
    assert cookie["max-age"] == settings.ATTRIBUTION_WINDOW_DAYS * 86400
    assert cookie["httponly"] and cookie.value.startswith("anna:")
    assert visitor_bits(client, "/anna/")["banner"] == ""


def test_declining_sets_no_referral_cookie_and_hides_the_banner(client, anna, soap):
    add_to_cart_from(client, "/anna/", soap)
    response = client.post("/consent/", {"choice": "decline", "next": "/anna/"})
    assert response.cookies[CONSENT_COOKIE].value == "declined"
    assert not client.cookies.get(REF) or not client.cookies[REF].value
    assert visitor_bits(client, "/anna/")["banner"] == ""
    # the session still remembers the partner for this browser session
    assert checkout(client, soap).attributed_partner == anna


def test_after_consent_later_partner_pages_refresh_the_cookie(client, anna, ben, soap):
    add_to_cart_from(client, "/anna/", soap)
    client.post("/consent/", {"choice": "accept"})
    client.get("/ben/")
    response = client.get("/ben/me/?next=/ben/")
    assert response.cookies[REF].value.startswith("ben:")


def test_consented_cookie_is_honoured_in_a_later_browser_session(client, anna, soap):
    add_to_cart_from(client, "/anna/", soap)
    client.post("/consent/", {"choice": "accept"})
    later = Client()  # a new browser session: only the persistent cookies survive
    later.cookies[CONSENT_COOKIE] = client.cookies[CONSENT_COOKIE].value
    later.cookies[REF] = client.cookies[REF].value
    order = checkout(later, soap)
    assert (order.attributed_partner, order.attribution) == (anna, A.COOKIE)


def test_cookie_is_not_read_without_consent(client, anna, soap):
    add_to_cart_from(client, "/anna/", soap)
    client.post("/consent/", {"choice": "accept"})
    later = Client()
    later.cookies[REF] = client.cookies[REF].value  # consent cookie gone
    assert checkout(later, soap).attribution == A.NONE


def test_cookie_older_than_the_window_is_ignored(client, anna, soap, settings):
    settings.ATTRIBUTION_WINDOW_DAYS = 30
    past = time.time() - timedelta(days=31).total_seconds()
    client.cookies[CONSENT_COOKIE] = "accepted"
    with mock.patch("time.time", return_value=past):
        add_to_cart_from(client, "/anna/", soap)  # consented long ago: the cookie is signed then
    later = Client()
    later.cookies[CONSENT_COOKIE] = "accepted"
    later.cookies[REF] = client.cookies[REF].value
    assert checkout(later, soap).attribution == A.NONE


def test_a_newer_partner_page_beats_an_older_cookie(client, anna, ben, soap):
    add_to_cart_from(client, "/anna/", soap)
    client.post("/consent/", {"choice": "accept"})
    later = Client()
    later.cookies[CONSENT_COOKIE] = "accepted"
    later.cookies[REF] = client.cookies[REF].value
    with mock.patch("time.time", return_value=time.time() + 60):
        add_to_cart_from(later, "/shop/?ref=ben", soap)
    # the later action also rewrote the cookie; drop that to compare session vs old cookie
    later.cookies[REF] = client.cookies[REF].value
    assert checkout(later, soap).attributed_partner == ben


def test_a_newer_cookie_beats_an_older_session_referral(client, anna, ben, soap):
    add_to_cart_from(client, "/ben/", soap)
    session = client.session
    session["referral"]["at"] = time.time() - 3600
    session.save()
    other = Client()
    add_to_cart_from(other, "/anna/", soap)
    other.post("/consent/", {"choice": "accept"})
    client.cookies[CONSENT_COOKIE] = "accepted"
    client.cookies[REF] = other.cookies[REF].value
    order = checkout(client, soap)
    assert (order.attributed_partner, order.attribution) == (anna, A.COOKIE)


def test_withdrawing_consent_deletes_the_cookie(client, anna, soap):
    add_to_cart_from(client, "/anna/", soap)
    client.post("/consent/", {"choice": "accept"})
    response = client.post("/consent/", {"choice": "decline"})
    assert response.cookies[REF].value == "" and response.cookies[REF]["max-age"] == 0
    page = client.get("/consent/").content.decode()
    assert "You declined the recommendation cookie." in page


@pytest.mark.parametrize("next_url", ["https://evil.example/", "NaN", "//evil.example/"])
def test_consent_next_must_stay_on_this_site(client, anna, next_url):
    response = client.post("/consent/", {"choice": "decline", "next": next_url})
    assert response.status_code == 302 and response.url == "/consent/"
