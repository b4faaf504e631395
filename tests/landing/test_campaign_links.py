"""Campaign links: /<slug>/c/<name>/ and ?c=<name>; utm_* recorded too. The
attribution rules decide whose order it is; the campaign says which link brought it."""

import re
import time

import pytest
from django.conf import settings
from django.test import Client

from landing.models import LandingVisitDay, LinkVisitDay
from orders.models import Order
from tests.factories import PartnerFactory
from tests.orders.helpers import CHECKOUT_FORM

from .conftest import visitor_bits

pytestmark = pytest.mark.django_db


def act_from(client, page: str, product, **extra):
    """Open `page`, let the visitor request run, press "Add to cart" as
    visitor.js does: the form's hidden fields plus the page address's `c` and utm_*."""
    html = client.get(page).content.decode()
    assert client.get(page).status_code == 200
    visitor_url = re.search(r'data-visitor-url="([^"]+)"', html).group(1).replace("&amp;", "&")
    joiner = "&" if "?" in visitor_url else "?"
    client.get(f"{visitor_url}{joiner}next={page.replace('&', '%26').replace('?', '%3F')}")
    token = client.get("/shop/token/").json()["csrf"]
    query = dict(re.findall(r"[?&](c|utm_\w+)=([^&]*)", page))
    data = {"product": product.pk, "ref": "anna", "next": page.split("?")[0], **query, **extra}
    return client.post("/cart/add/", {**data, "csrfmiddlewaretoken": token})


def place(client, **changes) -> Order:
    response = client.post("/checkout/", {**CHECKOUT_FORM, **changes})
    assert response.status_code == 302, response.content.decode()[:2000]
    response = client.post("/checkout/place/", {"checkout_token": client.session["checkout_token"]})
    assert response.status_code == 302
    return Order.objects.get(number=response.url.rstrip("/").rsplit("/", 1)[-1])


def test_campaign_link_leads_to_the_landing_page_with_the_campaign(client, anna):
    response = client.get("/anna/c/insta-story-nov/?utm_source=instagram")
    assert response.status_code == 302
    assert response.url == "/anna/?c=insta-story-nov&utm_source=instagram"


def test_campaign_link_with_a_product_leads_to_the_product_page(client, anna, soap):
    response = client.get(f"/anna/c/story/?p={soap.pk}")
    assert response.url == f"/anna/p/{soap.pk}-seife/?c=story"


def test_a_malformed_campaign_name_is_dropped_and_an_unknown_partner_is_a_404(client, anna):
    assert client.get("/anna/c/Bad%20Name!/").url == "/anna/"
    assert client.get("/nobody/c/story/").status_code == 404


def test_campaign_visits_are_counted_by_the_visitor_request_like_landing_visits(anna, soap):
    for _ in range(2):
        visitor = Client()
        visitor.get("/anna/?c=insta-story-nov")
        visitor_bits(visitor, "/anna/?c=insta-story-nov")
    bot = Client(HTTP_USER_AGENT="facebookexternalhit/1.1")
    visitor_bits(bot, "/anna/?c=insta-story-nov")

    assert LandingVisitDay.objects.get(partner=anna).visits == 2
    row = LinkVisitDay.objects.get(partner=anna)
    assert (row.campaign, row.product_id, row.visits) == ("insta-story-nov", 0, 2)


def test_order_through_a_campaign_link_records_campaign_and_utm(anna, soap):
    customer = Client()
    act_from(customer, "/anna/?c=insta-story-nov&utm_source=instagram&utm_medium=story", soap)

    order = place(customer)

    assert order.attributed_partner == anna and order.attribution == Order.Attribution.LANDING
    assert order.campaign == "insta-story-nov"
    assert order.utm == {"utm_source": "instagram", "utm_medium": "story"}


def test_campaign_is_kept_on_the_next_page_of_the_same_partner_and_dropped_for_another(anna, soap):
    PartnerFactory(slug="ben")
    customer = Client()
    act_from(customer, "/anna/?c=story", soap)
    visitor_bits(customer, "/anna/")  # the landing page again, without the campaign
    assert customer.session["referral"]["campaign"] == "story"

    visitor_bits(customer, "/ben/")
    assert customer.session["referral"]["slug"] == "ben"
    assert customer.session["referral"]["campaign"] == ""


def test_order_with_the_partners_code_after_a_campaign_link_is_a_code_order_of_the_campaign(
    anna, soap
):
    customer = Client()
    act_from(customer, "/anna/?c=story", soap)

    order = place(customer, partner_code="anna")

    assert order.attribution == Order.Attribution.CODE and order.campaign == "story"


def test_campaign_of_another_partner_does_not_follow_an_order_the_rules_give_elsewhere(anna, soap):
    ben = PartnerFactory(slug="ben")
    customer = Client()
    act_from(customer, "/anna/?c=story&utm_source=tiktok", soap)

    order = place(customer, partner_code="ben")  # the typed code wins over the visit (3a)

    assert order.attributed_partner == ben
    assert order.campaign == ""  # Anna's campaign did not sell Ben's order
    assert order.utm == {"utm_source": "tiktok"}


def test_a_later_browser_session_orders_for_the_campaign_the_consented_cookie_remembers(anna, soap):
    customer = Client()
    act_from(customer, "/anna/?c=insta-story-nov&utm_source=instagram&utm_content=reel-3", soap)
    customer.post("/consent/", {"choice": "accept", "next": "/anna/"})

    later = Client()  # the next day, a new browser session: only the cookies survive
    for name in ("mlm_consent", settings.REFERRAL_COOKIE_NAME):
        later.cookies[name] = customer.cookies[name].value
    later.post("/cart/add/", {"product": soap.pk})
    order = place(later)

    assert (order.attributed_partner, order.attribution) == (anna, Order.Attribution.COOKIE)
    assert order.campaign == "insta-story-nov"
    assert order.utm == {"utm_source": "instagram", "utm_content": "reel-3"}


def test_a_cookie_set_before_campaigns_were_remembered_still_attributes(anna, soap):
    from django.http import HttpResponse

    from orders.referral import referral_cookie_set

    response = HttpResponse()
    referral_cookie_set(response, slug="anna", at=time.time())  # "<slug>:<time>", no link
    later = Client()
    later.cookies["mlm_consent"] = "accepted"
    later.cookies[settings.REFERRAL_COOKIE_NAME] = response.cookies[
        settings.REFERRAL_COOKIE_NAME
    ].value
    later.post("/cart/add/", {"product": soap.pk})
    order = place(later)

    assert (order.attributed_partner, order.campaign, order.utm) == (anna, "", {})


def test_the_privacy_page_says_the_cookie_keeps_the_campaign_link(client):
    german = client.get("/datenschutz/", HTTP_ACCEPT_LANGUAGE="de").content.decode()
    english = client.get("/datenschutz/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert "den Kampagnennamen und die utm-Angaben dieses Links" in german
    assert "that link's campaign name and utm tags" in english
