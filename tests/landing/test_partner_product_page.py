"""A product under a partner: /<slug>/p/<id>-<name>/, the link a partner shares."""

import re

import pytest
from django.contrib.sessions.models import Session
from django.test import Client

from landing.models import LinkVisitDay
from tests.factories import ProductFactory

from .test_landing_page import meta

pytestmark = pytest.mark.django_db


def test_product_page_shows_the_product_with_price_vat_and_add_to_cart(client, anna, soap):
    soap.description = "Milde Seife mit Olivenöl."
    soap.save()

    response = client.get(f"/anna/p/{soap.pk}-seife/", HTTP_ACCEPT_LANGUAGE="de")

    html = response.content.decode()
    assert response.status_code == 200
    assert "<h1" in html and "Seife" in html and "Milde Seife mit Olivenöl." in html
    assert "12,50\u00a0€" in html and "inkl. 19\u00a0% MwSt." in html
    assert "Anna Albers" in html
    assert 'data-post-action="/cart/add/"' in html and 'name="ref" value="anna"' in html


def test_product_page_is_public_and_the_same_bytes_for_every_visitor(anna, soap, settings):
    first = Client().get(f"/anna/p/{soap.pk}-seife/")
    second = Client().get(f"/anna/p/{soap.pk}-seife/?c=insta-story-nov&utm_source=instagram")

    for response in (first, second):
        assert response["Cache-Control"] == f"public, max-age={settings.LANDING_PUBLIC_MAX_AGE}"
        assert response["Vary"] == "Accept-Language"
        assert not response.cookies
    assert first.content == second.content
    assert "csrfmiddlewaretoken" not in first.content.decode()
    assert not Session.objects.exists()


def test_second_view_of_a_product_page_costs_no_query(anna, soap, django_assert_num_queries):
    Client().get(f"/anna/p/{soap.pk}-seife/")
    with django_assert_num_queries(0):
        assert Client().get(f"/anna/p/{soap.pk}-seife/?c=x1").status_code == 200


def test_link_preview_names_the_partner_and_shows_the_product_image_absolute(
    client, anna, soap, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    settings.SITE_URL = "https://shop.example"
    from django.core.files.base import ContentFile

    soap.image.save("seife.jpg", ContentFile(b"not checked here"), save=True)

    html = client.get(f"/anna/p/{soap.pk}-seife/").content.decode()

    assert "Anna Albers" in meta(html, "og:title") and "Seife" in meta(html, "og:title")
    assert meta(html, "og:image") == f"https://shop.example{soap.image.url}"
    assert meta(html, "og:url") == f"https://shop.example/anna/p/{soap.pk}-seife/"
    assert meta(html, "og:description")
    assert meta(html, "twitter:card") == "summary_large_image"


def test_without_site_url_absolute_links_use_the_address_the_request_came_to(
    client, anna, soap, settings
):
    settings.SITE_URL = ""
    settings.ALLOWED_HOSTS = ["phone.local"]

    html = client.get(f"/anna/p/{soap.pk}-seife/", HTTP_HOST="phone.local:8123").content.decode()

    assert meta(html, "og:url") == f"http://phone.local:8123/anna/p/{soap.pk}-seife/"
    assert meta(html, "og:image").startswith("http://phone.local:8123/static/")


def test_short_old_or_uppercase_addresses_lead_to_the_current_one(client, anna, soap):
    for path in (f"/anna/p/{soap.pk}/", f"/ANNA/p/{soap.pk}-soap/"):
        response = client.get(path + "?c=story")
        assert response.status_code == 302
        assert response.url == f"/anna/p/{soap.pk}-seife/?c=story"


@pytest.mark.parametrize("case", ["unknown partner", "inactive product", "unknown product"])
def test_missing_partner_or_product_is_a_friendly_404(client, anna, soap, case):
    if case == "unknown partner":
        path = f"/nobody/p/{soap.pk}-seife/"
    elif case == "inactive product":
        gone = ProductFactory(name="Weg", is_active=False)
        path = f"/anna/p/{gone.pk}-weg/"
    else:
        path = "/anna/p/999999-x/"
    assert client.get(path).status_code == 404


def test_the_visitor_request_of_a_product_page_counts_a_product_visit(anna, soap):
    visitor = Client()
    page = f"/anna/p/{soap.pk}-seife/"
    html = visitor.get(page).content.decode()
    visitor_url = re.search(r'data-visitor-url="([^"]+)"', html).group(1).replace("&amp;", "&")
    assert visitor_url == f"/anna/me/?p={soap.pk}"

    visitor.get(f"{visitor_url}&next={page}")

    row = LinkVisitDay.objects.get()
    assert (row.partner_id, row.product_id, row.campaign, row.visits) == (anna.pk, soap.pk, "", 1)


def test_renaming_a_product_keeps_its_links_working(client, anna, soap):
    client.get(f"/anna/p/{soap.pk}-seife/")
    soap.name = "Olivenseife"
    soap.save()
    response = client.get(f"/anna/p/{soap.pk}-seife/")
    assert response.status_code == 302 and response.url == f"/anna/p/{soap.pk}-olivenseife/"
