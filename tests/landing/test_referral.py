"""Referral memory: session always, signed cookie only after consent (TDDDG 25)."""

import time
from datetime import timedelta
from unittest import mock

import pytest
from django.conf import settings as django_settings
from django.test import Client

from orders.referral import CONSENT_COOKIE
from orders.models import Order
from partners.models import Partner
from partners.services import partner_set_status
from tests.factories import PartnerFactory
from tests.orders.helpers import checkout

pytestmark = pytest.mark.django_db
A = Order.Attribution
REF = django_settings.REFERRAL_COOKIE_NAME


@pytest.fixture
def ben(db):
    return PartnerFactory(slug="ben", first_name="Ben", last_name="Berger")


def test_ref_parameter_on_any_page_remembers_an_active_partner_in_the_session(client, anna, soap):
    client.get("/shop/?ref=anna")
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
    client.get(f"/shop/?ref={slug}")
    assert "referral" not in client.session
    assert checkout(client, soap).attribution == A.NONE


def test_landing_visit_attributes_a_new_customer(client, anna, soap):
    client.get("/anna/")
    order = checkout(client, soap)
    assert (order.attributed_partner, order.attribution) == (anna, A.LANDING)


def test_most_recent_landing_page_wins(client, anna, ben, soap):
    client.get("/anna/")
    client.get("/ben/")
    assert checkout(client, soap).attributed_partner == ben


def test_code_at_checkout_beats_the_landing_page(client, anna, ben, soap):
    client.get("/anna/")
    order = checkout(client, soap, partner_code="Ben")
    assert (order.attributed_partner, order.attribution, order.referral_code) == (
        ben,
        A.CODE,
        "ben",
    )


def test_session_referral_expires_with_the_attribution_window(client, anna, soap, settings):
    settings.ATTRIBUTION_WINDOW_DAYS = 30
    client.get("/anna/")
    session = client.session
    session["referral"]["at"] = time.time() - timedelta(days=31).total_seconds()
    session.save()
    assert checkout(client, soap).attribution == A.NONE


# -- consent banner


def test_banner_asks_only_visitors_with_a_referral_and_offers_two_equal_answers(anna):
    assert "consent-banner" not in Client().get("/shop/").content.decode()
    html = Client().get("/anna/").content.decode()
    assert "consent-banner" in html and "Anna Albers" in html
    assert 'value="accept" class="btn btn-secondary"' in html
    assert 'value="decline" class="btn btn-secondary"' in html  # same look, no dark pattern


def test_no_referral_cookie_without_consent(client, anna):
    response = client.get("/anna/")
    assert REF not in response.cookies
    assert CONSENT_COOKIE not in response.cookies


def test_accepting_sets_the_consent_and_the_signed_referral_cookie_for_the_window(
    client, anna, settings
):
    client.get("/anna/")
    response = client.post("/consent/", {"choice": "accept", "next": "/anna/"})
    assert response.status_code == 302 and response.url == "/anna/"
    assert response.cookies[CONSENT_COOKIE].value == "accepted"
    cookie = response.cookies[REF]
    assert cookie["max-age"] == settings.ATTRIBUTION_WINDOW_DAYS * 86400
    assert cookie["httponly"] and cookie.value.startswith("anna:")
    assert "consent-banner" not in client.get("/anna/").content.decode()


def test_declining_sets_no_referral_cookie_and_hides_the_banner(client, anna, soap):
    client.get("/anna/")
    response = client.post("/consent/", {"choice": "decline", "next": "/anna/"})
    assert response.cookies[CONSENT_COOKIE].value == "declined"
    assert not client.cookies.get(REF) or not client.cookies[REF].value
    assert "consent-banner" not in client.get("/anna/").content.decode()
    # the session still remembers the visit for this browser session
    assert checkout(client, soap).attributed_partner == anna


def test_after_consent_later_visits_refresh_the_cookie(client, anna, ben):
    client.get("/anna/")
    client.post("/consent/", {"choice": "accept"})
    response = client.get("/ben/")
    assert response.cookies[REF].value.startswith("ben:")


def test_consented_cookie_is_honoured_in_a_later_browser_session(client, anna, soap):
    client.get("/anna/")
    client.post("/consent/", {"choice": "accept"})
    later = Client()  # a new browser session: only the persistent cookies survive
    later.cookies[CONSENT_COOKIE] = client.cookies[CONSENT_COOKIE].value
    later.cookies[REF] = client.cookies[REF].value
    order = checkout(later, soap)
    assert (order.attributed_partner, order.attribution) == (anna, A.COOKIE)


def test_cookie_is_not_read_without_consent(client, anna, soap):
    client.get("/anna/")
    client.post("/consent/", {"choice": "accept"})
    later = Client()
    later.cookies[REF] = client.cookies[REF].value  # consent cookie gone
    assert checkout(later, soap).attribution == A.NONE


def test_cookie_older_than_the_window_is_ignored(client, anna, soap, settings):
    settings.ATTRIBUTION_WINDOW_DAYS = 30
    past = time.time() - timedelta(days=31).total_seconds()
    client.cookies[CONSENT_COOKIE] = "accepted"
    with mock.patch("time.time", return_value=past):
        client.get("/anna/")  # consented long ago: the cookie is signed then
    later = Client()
    later.cookies[CONSENT_COOKIE] = "accepted"
    later.cookies[REF] = client.cookies[REF].value
    assert checkout(later, soap).attribution == A.NONE


def test_a_newer_landing_visit_beats_an_older_cookie(client, anna, ben, soap):
    client.get("/anna/")
    client.post("/consent/", {"choice": "accept"})
    later = Client()
    later.cookies[CONSENT_COOKIE] = "accepted"
    later.cookies[REF] = client.cookies[REF].value
    with mock.patch("time.time", return_value=time.time() + 60):
        later.get("/shop/?ref=ben")
    # the later visit also rewrote the cookie; drop that to compare session vs old cookie
    later.cookies[REF] = client.cookies[REF].value
    assert checkout(later, soap).attributed_partner == ben


def test_a_newer_cookie_beats_an_older_session_referral(client, anna, ben, soap):
    client.get("/ben/")
    session = client.session
    session["referral"]["at"] = time.time() - 3600
    session.save()
    other = Client()
    other.get("/anna/")
    other.post("/consent/", {"choice": "accept"})
    client.cookies[CONSENT_COOKIE] = "accepted"
    client.cookies[REF] = other.cookies[REF].value
    order = checkout(client, soap)
    assert (order.attributed_partner, order.attribution) == (anna, A.COOKIE)


def test_withdrawing_consent_deletes_the_cookie(client, anna):
    client.get("/anna/")
    client.post("/consent/", {"choice": "accept"})
    response = client.post("/consent/", {"choice": "decline"})
    assert response.cookies[REF].value == "" and response.cookies[REF]["max-age"] == 0
    page = client.get("/consent/").content.decode()
    assert "You declined the recommendation cookie." in page


def test_consent_next_must_stay_on_this_site(client, anna):
    response = client.post("/consent/", {"choice": "decline", "next": "https://evil.example/"})
    assert response.url == "/consent/"
