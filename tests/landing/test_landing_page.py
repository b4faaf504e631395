import re
from decimal import Decimal

import pytest
from django.contrib.sessions.models import Session
from django.core.cache import caches
from django.test import Client
from django.utils import timezone

from landing.models import LandingVisitDay
from landing.services import landing_cache_invalidate
from partners.models import Partner
from partners.services import partner_set_status
from tests.factories import PartnerFactory, ProductFactory

from .conftest import add_to_cart_from, visitor_bits

pytestmark = pytest.mark.django_db


def meta(html: str, key: str) -> str | None:
    match = re.search(rf'<meta (?:property|name)="{re.escape(key)}" content="([^"]*)"', html)
    return match.group(1) if match else None


def test_landing_page_shows_the_partner_and_the_active_products_with_add_to_cart(
    client, anna, soap
):
    anna.message = "Ich teile meine Lieblingsprodukte mit dir."
    anna.instagram_url = "https://instagram.com/anna"
    anna.save()
    ProductFactory(name="Ausverkauft", is_active=False)

    response = client.get("/anna/", HTTP_ACCEPT_LANGUAGE="de")

    html = response.content.decode()
    assert response.status_code == 200
    assert "Anna Albers" in html and "Ich teile meine Lieblingsprodukte mit dir." in html
    assert 'href="https://instagram.com/anna"' in html
    assert "Seife" in html and "Ausverkauft" not in html
    assert "12,50\u00a0€" in html  # German price format, VAT included
    assert f'action="/shop/p/{soap.pk}/" data-post-action="/cart/add/"' in html
    assert 'name="ref" value="anna"' in html  # the add-to-cart stays Anna's
    assert 'href="/shop/?ref=anna"' in html and f'href="/anna/p/{soap.pk}-seife/"' in html


def test_link_previews_have_open_graph_and_twitter_tags(client, anna):
    anna.message = "Naturkosmetik, die ich selbst liebe."
    anna.save()

    html = client.get("/anna/").content.decode()

    assert meta(html, "og:title") == "Anna Albers · Lumen Naturkosmetik"
    assert meta(html, "og:description") == "Naturkosmetik, die ich selbst liebe."
    # No SITE_URL set: absolute links follow the address the request came to.
    assert meta(html, "og:url") == "http://testserver/anna/"
    assert meta(html, "og:image").startswith("http://testserver/static/")  # no photo: company image
    assert meta(html, "twitter:card") == "summary"
    assert meta(html, "twitter:title") == "Anna Albers · Lumen Naturkosmetik"


def test_link_preview_uses_the_partners_photo(client, anna, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    from django.core.files.base import ContentFile

    anna.photo.save("anna.jpg", ContentFile(b"not checked here"), save=True)
    html = client.get("/anna/").content.decode()
    assert meta(html, "og:image") == f"http://testserver{anna.photo.url}"
    assert meta(html, "twitter:card") == "summary_large_image"


@pytest.mark.parametrize("status", [None, Partner.Status.INACTIVE, Partner.Status.TERMINATED])
def test_unknown_paused_or_terminated_slug_is_a_friendly_404_that_attributes_nothing(
    client, anna, status
):
    slug = "anna" if status else "nobody"
    if status:
        partner_set_status(partner=anna, status=status, reason="test")

    response = client.get(f"/{slug}/")

    assert response.status_code == 404
    assert "We could not find this page" in response.content.decode()
    assert client.get(f"/{slug}/me/").status_code == 404
    assert "referral" not in client.session
    assert not LandingVisitDay.objects.exists()


def test_page_becomes_a_404_as_soon_as_the_partner_is_paused_even_when_cached(client, anna):
    assert client.get("/anna/").status_code == 200
    partner_set_status(partner=anna, status=Partner.Status.INACTIVE, reason="pause")
    assert client.get("/anna/").status_code == 404


def test_slug_is_case_insensitive_and_redirects_to_the_canonical_address(client, anna):
    response = client.get("/Anna/?utm_source=insta")
    assert response.status_code == 302 and response.url == "/anna/?utm_source=insta"


# -- one page for everyone


def test_page_is_public_short_lived_and_the_same_bytes_for_every_visitor(anna, soap, settings):
    first = Client().get("/anna/")
    returning = Client()
    add_to_cart_from(returning, "/anna/", soap)  # has a session, a cart and a token cookie
    second = returning.get("/anna/")

    for response in (first, second):
        assert response["Cache-Control"] == f"public, max-age={settings.LANDING_PUBLIC_MAX_AGE}"
        assert response["Vary"] == "Accept-Language"  # not Cookie: proxies may share it
        assert not response.cookies  # no session, no token cookie
    assert first.content == second.content
    assert "csrfmiddlewaretoken" not in first.content.decode()


def test_a_visitor_who_only_looks_gets_no_session(anna, soap):
    visitor = Client()
    visitor.get("/anna/")
    bits = visitor_bits(visitor, "/anna/")
    visitor.get("/shop/?ref=anna")
    visitor_bits(visitor, "/shop/?ref=anna")
    assert bits["cart"] == bits["banner"] == bits["messages"] == bits["account"] == ""
    assert not visitor.cookies and not Session.objects.exists()  # not even a CSRF cookie


def test_second_view_costs_no_query(anna, soap, django_assert_num_queries):
    Client().get("/anna/")  # renders and keeps the page
    with django_assert_num_queries(0):
        response = Client().get("/anna/")
    assert "Seife" in response.content.decode()


def test_tracking_parameters_do_not_make_another_copy(anna, soap, django_assert_num_queries):
    Client().get("/anna/")
    Client().get("/shop/?ref=anna")
    with django_assert_num_queries(0):
        assert Client().get("/anna/?utm_source=insta&fbclid=x1").status_code == 200
        assert Client().get("/shop/?ref=anna&utm_campaign=spring&gclid=y").status_code == 200


def test_page_is_rendered_afresh_after_the_cache_was_emptied(anna):
    Client().get("/anna/")
    Partner.objects.filter(pk=anna.pk).update(message="Nach dem Leeren")  # no signal
    for cache in caches.all():  # e.g. Redis restarted, and a few seconds later
        cache.clear()
    assert "Nach dem Leeren" in Client().get("/anna/").content.decode()


def test_price_change_in_the_admin_shows_at_once(admin_client, anna, soap):
    assert "12.50" in Client().get("/anna/").content.decode()
    response = admin_client.post(
        f"/admin/orders/product/{soap.pk}/change/",
        {
            "name": "Seife",
            "description": "",
            "price": "14.00",
            "tax_class": "standard",
            "qv": "10.00",
            "is_active": "on",
            "sort_order": "1",
        },
    )
    assert response.status_code == 302
    html = Client().get("/anna/").content.decode()
    assert "14.00" in html and "12.50" not in html


def test_product_deactivated_by_the_admin_action_disappears_at_once(admin_client, anna, soap):
    assert "Seife" in Client().get("/shop/").content.decode()
    admin_client.post(
        "/admin/orders/product/",
        {"action": "deactivate", "_selected_action": [soap.pk]},
    )
    assert "Seife" not in Client().get("/shop/").content.decode()


def test_product_saved_by_a_script_is_seen(anna, soap):
    Client().get("/anna/")
    soap.price = Decimal("15.00")
    soap.save()  # nobody calls landing_cache_invalidate
    assert "15.00" in Client().get("/anna/").content.decode()


def test_partner_profile_change_is_seen_and_explicit_invalidation_works(anna):
    Client().get("/anna/")
    anna.message = "Neue Nachricht"
    anna.save()
    assert "Neue Nachricht" in Client().get("/anna/").content.decode()
    Partner.objects.filter(pk=anna.pk).update(message="Ohne Signal")  # bypasses save()
    assert "Ohne Signal" not in Client().get("/anna/").content.decode()
    landing_cache_invalidate(partner_id=anna.pk)
    assert "Ohne Signal" in Client().get("/anna/").content.decode()


def test_other_partners_pages_are_their_own(anna):
    PartnerFactory(slug="ben", first_name="Ben", last_name="Berger")
    Client().get("/anna/")
    html = Client().get("/ben/").content.decode()
    assert "Ben Berger" in html and "Anna Albers" not in html


# -- the per-visitor request


def test_visitor_request_is_private_and_never_cached(anna):
    response = Client().get("/anna/me/?next=/anna/")
    assert "private" in response["Cache-Control"] and "no-store" in response["Cache-Control"]


def test_visits_are_counted_per_partner_and_day_by_the_visitor_request(anna):
    for _ in range(3):
        visitor = Client()
        visitor.get("/anna/")
        visitor_bits(visitor, "/anna/")
    Client().get("/anna/")  # the page alone (no script ran) is not a visit
    assert LandingVisitDay.objects.get(partner=anna, day=timezone.localdate()).visits == 3


def test_link_preview_bots_neither_count_nor_become_a_referral(client, anna, soap):
    bot = {"HTTP_USER_AGENT": "WhatsApp/2.23.20.0 A"}
    response = client.get("/anna/", **bot)
    assert response.status_code == 200 and "Anna Albers" in response.content.decode()
    visitor_bits(client, "/anna/", **bot)
    add_to_cart_from(client, "/anna/", soap, **bot)
    assert not LandingVisitDay.objects.exists()
    assert "referral" not in client.session


def test_the_token_of_the_visitor_request_is_accepted_by_add_to_cart(anna, soap):
    visitor = Client(enforce_csrf_checks=True)
    looked = visitor.get("/anna/me/?next=/anna/")
    assert not looked.cookies and "csrf" not in looked.json()  # looking: no cookie at all
    asked = visitor.get("/shop/token/")  # at the first submit
    assert "no-store" in asked["Cache-Control"] and asked.json()["csrf"]
    assert visitor.cookies["csrftoken"].value
    response = add_to_cart_from(visitor, "/anna/", soap)
    assert response.status_code == 302 and response.url == "/anna/"
    assert visitor.session["cart"] == {str(soap.pk): 1}
    refused = visitor.post("/cart/add/", {"product": soap.pk, "csrfmiddlewaretoken": "x" * 64})
    assert refused.status_code == 403


def test_cart_count_and_message_are_the_visitors_own(anna, soap):
    buyer = Client()
    add_to_cart_from(buyer, "/anna/", soap)
    bits = visitor_bits(buyer, "/anna/")
    assert 'class="cart-count"' in bits["cart"] and "is in your cart" in bits["messages"]
    assert visitor_bits(buyer, "/anna/")["messages"] == ""  # shown once
    other = visitor_bits(Client(), "/anna/")
    assert other["cart"] == "" and other["messages"] == ""


def test_signed_in_users_get_their_menu_from_the_visitor_request(client, anna, django_user_model):
    user = django_user_model.objects.create_user(email="staff@example.com", password="x" * 12)
    client.force_login(user)
    assert "Sign out" not in client.get("/anna/").content.decode()  # the page for everyone
    assert "Sign out" in visitor_bits(client, "/anna/")["account"]
    assert visitor_bits(Client(), "/anna/")["account"] == ""


def test_partner_previewing_their_own_page_is_neither_a_visit_nor_a_referral(client, anna, soap):
    client.force_login(anna.user)
    assert "Anna Albers" in client.get("/anna/").content.decode()
    visitor_bits(client, "/anna/")
    add_to_cart_from(client, "/anna/", soap)
    assert not LandingVisitDay.objects.exists()
    assert "referral" not in client.session


def test_a_visitor_with_a_session_has_the_referral_renewed_by_the_next_partner_page(anna, soap):
    ben = PartnerFactory(slug="ben", first_name="Ben", last_name="Berger")
    visitor = Client()
    add_to_cart_from(visitor, "/anna/", soap)
    visitor.get("/ben/")
    visitor_bits(visitor, "/ben/")
    assert visitor.session["referral"]["slug"] == ben.slug


def test_returning_visitor_within_a_minute_does_not_rewrite_the_session(anna, soap):
    visitor = Client()
    add_to_cart_from(visitor, "/anna/", soap)
    before = visitor.session["referral"]["at"]
    visitor_bits(visitor, "/anna/")
    assert visitor.session["referral"]["at"] == before
    session = visitor.session
    session["referral"]["at"] -= 61
    session.save()
    visitor_bits(visitor, "/anna/")
    assert visitor.session["referral"]["at"] > before


# -- without JavaScript


def test_without_javascript_add_to_cart_opens_the_product_page_that_works(anna, soap):
    visitor = Client(enforce_csrf_checks=True)
    visitor.get("/anna/")
    # the form as the browser sends it without the script: GET to the product page
    page = visitor.get(f"/shop/p/{soap.pk}/", {"product": soap.pk, "next": "/anna/", "ref": "anna"})
    html = page.content.decode()
    assert page.status_code == 200 and "Seife" in html and "Anna Albers" in html
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
    response = visitor.post(
        "/cart/add/",
        {
            "product": soap.pk,
            "quantity": 2,
            "next": "/anna/",
            "ref": "anna",
            "csrfmiddlewaretoken": token,
        },
    )
    assert response.status_code == 302 and response.url == "/anna/"
    assert visitor.session["cart"] == {str(soap.pk): 2}
    assert visitor.session["referral"]["slug"] == "anna"


def test_product_page_of_an_inactive_product_is_a_404(client, soap):
    soap.is_active = False
    soap.save()
    assert client.get(f"/shop/p/{soap.pk}/").status_code == 404


# -- bad input


@pytest.mark.parametrize("ref", ["anna\x00", "\x00", "x" * 500, "../etc", "ANNA%00"])
def test_a_malformed_ref_is_ignored_not_an_error(client, anna, soap, ref):
    response = client.get("/shop/", {"ref": ref})
    assert response.status_code == 200 and "Recommended by" not in response.content.decode()
    assert client.get("/shop/me/", {"ref": ref}).status_code == 200
    added = client.post("/cart/add/", {"product": soap.pk, "ref": ref, "next": "/shop/"})
    assert added.status_code == 302 and "referral" not in client.session


@pytest.mark.parametrize(
    "next_url", ["NaN", "cart", "//evil.example/", "https://evil.example/", "/x\x00"]
)
def test_add_to_cart_with_a_strange_next_goes_to_the_cart(client, soap, next_url):
    response = client.post("/cart/add/", {"product": soap.pk, "next": next_url})
    assert response.status_code == 302 and response.url == "/cart/"


def test_language_switch_of_the_public_pages_sets_the_language_and_goes_back(client, anna):
    response = client.get("/i18n/switch/", {"language": "de", "next": "/anna/"})
    assert response.status_code == 302 and response.url == "/anna/"
    assert client.get("/anna/").headers["Content-Language"] == "de"
    assert client.get("/i18n/switch/", {"language": "xx", "next": "NaN"}).url == "/"


def test_proxies_and_link_checkers_may_ask_with_head(client, anna):
    response = client.head("/anna/")
    assert response.status_code == 200 and response["Cache-Control"].startswith("public")
    assert client.post("/anna/").status_code == 405
