import re
from collections import Counter
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.cache import cache
from django.middleware.csrf import CSRF_ALLOWED_CHARS, _get_new_csrf_string, _unmask_cipher_token
from django.test import Client
from django.utils import timezone

from landing.models import LandingVisitDay
from landing.pagecache import _mask
from landing.services import _local_today, landing_cache_invalidate
from partners.models import Partner
from partners.services import partner_set_status
from tests.factories import PartnerFactory, ProductFactory

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
    assert 'action="/cart/add/"' in html and f'name="product" value="{soap.pk}"' in html


def test_link_previews_have_open_graph_and_twitter_tags(client, anna):
    anna.message = "Naturkosmetik, die ich selbst liebe."
    anna.save()

    html = client.get("/anna/").content.decode()

    assert meta(html, "og:title") == "Anna Albers · Lumen Naturkosmetik"
    assert meta(html, "og:description") == "Naturkosmetik, die ich selbst liebe."
    assert meta(html, "og:url") == "http://127.0.0.1:8000/anna/"
    assert meta(html, "og:image").startswith(
        "http://127.0.0.1:8000/static/"
    )  # no photo: company image
    assert meta(html, "twitter:card") == "summary"
    assert meta(html, "twitter:title") == "Anna Albers · Lumen Naturkosmetik"


def test_link_preview_uses_the_partners_photo(client, anna, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    from django.core.files.base import ContentFile

    anna.photo.save("anna.jpg", ContentFile(b"not checked here"), save=True)
    html = client.get("/anna/").content.decode()
    assert meta(html, "og:image") == f"http://127.0.0.1:8000{anna.photo.url}"
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
    assert "referral" not in client.session
    assert not LandingVisitDay.objects.exists()


def test_page_becomes_a_404_as_soon_as_the_partner_is_paused_even_when_cached(client, anna):
    assert client.get("/anna/").status_code == 200
    partner_set_status(partner=anna, status=Partner.Status.INACTIVE, reason="pause")
    assert client.get("/anna/").status_code == 404


def test_slug_is_case_insensitive_and_redirects_to_the_canonical_address(client, anna):
    response = client.get("/Anna/?utm_source=insta")
    assert response.status_code == 302 and response.url == "/anna/?utm_source=insta"


def test_visits_are_counted_per_partner_and_day(client, anna):
    for _ in range(3):
        Client().get("/anna/")
    assert LandingVisitDay.objects.get(partner=anna, day=timezone.localdate()).visits == 3


def test_link_preview_bots_neither_count_nor_become_a_referral(client, anna):
    response = client.get("/anna/", HTTP_USER_AGENT="WhatsApp/2.23.20.0 A")
    assert response.status_code == 200 and "Anna Albers" in response.content.decode()
    assert not LandingVisitDay.objects.exists()
    assert "referral" not in client.session


# -- the page cache


def test_second_view_is_served_from_the_cache_without_rendering_queries(
    anna, soap, settings, django_assert_num_queries
):
    settings.LANDING_VISIT_FLUSH_SECONDS = 3600  # visits are written in batches
    Client().get("/anna/")  # fills the cache
    visitor = Client()
    # the partner and catalogue stamp, then the new session: savepoint, insert, release
    # (no savepoint outside the test's transaction: test_sessions.py)
    with django_assert_num_queries(4):
        response = visitor.get("/anna/")
    assert "Seife" in response.content.decode()


def test_price_change_in_the_admin_shows_at_once(admin_client, anna, soap):
    assert "12.50" in Client().get("/anna/").content.decode()
    response = admin_client.post(
        f"/admin/orders/product/{soap.pk}/change/",
        {
            "name": "Seife",
            "description": "",
            "price": "14.00",
            "vat_rate": "19.00",
            "qv": "10.00",
            "is_active": "on",
            "sort_order": "1",
        },
    )
    assert response.status_code == 302
    html = Client().get("/anna/").content.decode()
    assert "14.00" in html and "12.50" not in html


def test_product_change_without_an_invalidation_call_is_still_seen(anna, soap):
    Client().get("/anna/")
    soap.price = Decimal("15.00")
    soap.save()  # e.g. a script; nobody calls landing_cache_invalidate
    assert "15.00" in Client().get("/anna/").content.decode()


def test_partner_profile_change_is_seen_and_explicit_invalidation_works(anna):
    Client().get("/anna/")
    Partner.objects.filter(pk=anna.pk).update(message="Neue Nachricht", updated_at=timezone.now())
    assert "Neue Nachricht" in Client().get("/anna/").content.decode()
    Partner.objects.filter(pk=anna.pk).update(message="Ohne Zeitstempel")  # updated_at unchanged
    assert "Ohne Zeitstempel" not in Client().get("/anna/").content.decode()
    landing_cache_invalidate(partner_id=anna.pk)
    assert "Ohne Zeitstempel" in Client().get("/anna/").content.decode()


def test_cached_page_carries_each_visitors_own_csrf_token(anna, soap):
    Client().get("/anna/")  # cached by someone else
    visitor = Client(enforce_csrf_checks=True)
    html = visitor.get("/anna/").content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)

    response = visitor.post(
        "/cart/add/", {"product": soap.pk, "next": "/anna/", "csrfmiddlewaretoken": token}
    )

    assert response.status_code == 302
    assert visitor.session["cart"] == {str(soap.pk): 1}


def test_cart_count_in_the_header_is_the_visitors_own(anna, soap):
    first = Client()
    first.post("/cart/add/", {"product": soap.pk, "quantity": 2})
    first.get("/anna/")  # pending message: rendered fresh
    assert 'class="cart-count"' in first.get("/anna/").content.decode()
    assert 'class="cart-count"' not in Client().get("/anna/").content.decode()


def test_signed_in_users_get_a_fresh_page_with_their_menu(client, anna, django_user_model):
    Client().get("/anna/")
    user = django_user_model.objects.create_user(email="staff@example.com", password="x" * 12)
    client.force_login(user)
    assert "Sign out" in client.get("/anna/").content.decode()
    assert "Sign out" not in Client().get("/anna/").content.decode()


def test_other_partners_pages_are_their_own(anna):
    PartnerFactory(slug="ben", first_name="Ben", last_name="Berger")
    Client().get("/anna/")
    html = Client().get("/ben/").content.decode()
    assert "Ben Berger" in html and "Anna Albers" not in html


def test_partner_previewing_their_own_page_is_neither_a_visit_nor_a_referral(client, anna):
    client.force_login(anna.user)
    assert "Anna Albers" in client.get("/anna/").content.decode()
    assert not LandingVisitDay.objects.exists()
    assert "referral" not in client.session


# -- the cost of a view: what it reads and writes


def _csrf_token(html: str) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)


def test_returning_visitor_within_a_minute_is_two_reads_and_no_write(
    anna, settings, django_assert_num_queries
):
    settings.LANDING_VISIT_FLUSH_SECONDS = 3600
    visitor = Client()
    visitor.get("/anna/")
    with django_assert_num_queries(2) as queries:  # partner and stamp; the session
        response = visitor.get("/anna/")
    assert response.status_code == 200
    assert all(q["sql"].startswith("SELECT") for q in queries.captured_queries)


def test_returning_visitor_after_a_minute_gets_the_visit_time_renewed(anna):
    visitor = Client()
    visitor.get("/anna/")
    session = visitor.session
    session["referral"]["at"] -= 61
    session.save()
    before = session["referral"]["at"]
    visitor.get("/anna/")
    assert visitor.session["referral"]["at"] > before + 60


def test_returning_visitors_token_is_fresh_per_page_and_accepted(anna, soap):
    visitor = Client(enforce_csrf_checks=True)
    visitor.get("/anna/")
    secret = visitor.cookies["csrftoken"].value
    first, second = (_csrf_token(visitor.get("/anna/").content.decode()) for _ in range(2))

    assert first != second  # masked anew for every response (BREACH)
    assert _unmask_cipher_token(first) == _unmask_cipher_token(second) == secret
    response = visitor.post("/cart/add/", {"product": soap.pk, "csrfmiddlewaretoken": second})
    assert response.status_code == 302 and visitor.session["cart"] == {str(soap.pk): 1}


def test_new_visitor_gets_a_csrf_cookie_matching_the_token_in_the_page(anna, soap):
    Client().get("/anna/")  # the page is cached
    visitor = Client(enforce_csrf_checks=True)
    response = visitor.get("/anna/")
    token = _csrf_token(response.content.decode())
    secret = response.cookies["csrftoken"].value
    assert len(secret) == 32 and set(secret) <= set(CSRF_ALLOWED_CHARS)
    assert _unmask_cipher_token(token) == secret
    assert "Cookie" in response["Vary"]
    posted = visitor.post("/cart/add/", {"product": soap.pk, "csrfmiddlewaretoken": token})
    assert posted.status_code == 302


def test_a_page_without_a_valid_token_is_refused(anna, soap):
    visitor = Client(enforce_csrf_checks=True)
    visitor.get("/anna/")
    response = visitor.post("/cart/add/", {"product": soap.pk, "csrfmiddlewaretoken": "x" * 64})
    assert response.status_code == 403


def test_page_is_rendered_afresh_after_the_cache_was_emptied(anna):
    Client().get("/anna/")
    Partner.objects.filter(pk=anna.pk).update(message="Nach dem Leeren")  # updated_at unchanged
    cache.clear()  # e.g. Redis restarted: pages a process still holds must not be served
    assert "Nach dem Leeren" in Client().get("/anna/").content.decode()


def test_visits_are_counted_on_the_local_day_across_midnight_and_clock_changes():
    berlin = ZoneInfo("Europe/Berlin")
    for wall, expected in (
        (datetime(2026, 3, 28, 23, 59, 59), date(2026, 3, 28)),
        (datetime(2026, 3, 29, 0, 0, 0), date(2026, 3, 29)),
        (datetime(2026, 3, 29, 23, 59, 59), date(2026, 3, 29)),  # a 23-hour day (clocks forward)
        (datetime(2026, 3, 30, 0, 0, 0), date(2026, 3, 30)),
        (datetime(2026, 10, 25, 23, 59, 59), date(2026, 10, 25)),  # a 25-hour day
        (datetime(2026, 3, 28, 12, 0, 0), date(2026, 3, 28)),  # back in time
    ):
        assert _local_today(wall.replace(tzinfo=berlin).timestamp()) == expected


def test_cached_page_is_private_and_varies_by_cookie(anna):
    Client().get("/anna/")
    response = Client().get("/anna/")
    assert response["Cache-Control"] == "private"
    assert "Cookie" in response["Vary"] and "Accept-Language" in response["Vary"]


def test_a_returning_visitors_valid_csrf_cookie_is_not_sent_again_on_every_view(anna):
    visitor = Client()
    first = visitor.get("/anna/")
    assert "csrftoken" in first.cookies
    assert "csrftoken" not in visitor.get("/anna/").cookies
    visitor.cookies["csrftoken"] = "not a valid secret"
    assert len(visitor.get("/anna/").cookies["csrftoken"].value) == 32  # replaced


def test_csrf_masking_is_djangos_and_uses_every_allowed_character_evenly():
    secret = _get_new_csrf_string()
    tokens = [_mask(secret) for _ in range(2000)]
    assert all(len(t) == 64 and _unmask_cipher_token(t) == secret for t in tokens)
    counts = Counter("".join(t[:32] for t in tokens))  # the random half
    assert set(counts) == set(CSRF_ALLOWED_CHARS)
    expected = 2000 * 32 / len(CSRF_ALLOWED_CHARS)  # ~1032 each
    assert all(0.8 * expected < n < 1.2 * expected for n in counts.values())
