"""What a partner sees on the dashboard pages."""

import datetime as dt
import io
import json
from decimal import Decimal

import pytest
from django.utils import timezone
from PIL import Image

from landing.models import LandingVisitDay
from orders.models import Order
from qualification.models import Period
from tests.dashboard.conftest import client_for, stats_set
from tests.factories import CustomerFactory, OrderFactory

# --------------------------------------------------------------- share card / QR


@pytest.mark.django_db
def test_overview_shares_landing_page_invite_link_and_qr(team, settings):
    settings.SITE_URL = "https://shop.example"

    html = client_for(team.ben).get("/dashboard/").content.decode()

    # whole addresses in wrapping fields, not cut off in a one-line input
    assert (
        'data-testid="landing-url" spellcheck="false">https://shop.example/ben/</textarea>' in html
    )
    assert (
        'data-testid="invite-url" spellcheck="false">https://shop.example/join/ben/</textarea>'
        in html
    )
    assert "<svg" in html and 'aria-label="QR code of your landing page"' in html
    assert 'href="/dashboard/qr.svg?download=1"' in html
    assert 'href="/dashboard/qr.png?download=1"' in html


@pytest.mark.django_db
def test_qr_code_downloads_as_svg_and_png(team):
    client = client_for(team.ben)

    svg = client.get("/dashboard/qr.svg?download=1")
    png = client.get("/dashboard/qr.png")

    assert svg["Content-Type"] == "image/svg+xml"
    assert svg["Content-Disposition"] == 'attachment; filename="ben-qr.svg"'
    assert svg.content.startswith(b"<svg") and b"<path" in svg.content
    assert png["Content-Type"] == "image/png"
    assert png["Content-Disposition"].startswith("inline")
    image = Image.open(io.BytesIO(png.content))
    assert image.format == "PNG" and image.width == image.height >= 200


# ------------------------------------------------------------------------ polling


@pytest.mark.django_db
def test_overview_polls_a_fragment_that_returns_updated_numbers(team, period):
    client = client_for(team.anna)
    overview = client.get("/dashboard/").content.decode()
    assert 'hx-get="/dashboard/live/"' in overview
    assert 'hx-trigger="every 5s"' in overview

    before = client.get("/dashboard/live/", HTTP_HX_REQUEST="true")
    stats_set(
        team.anna,
        period,
        pv="185",
        own_pv="160",
        customer_pv="25",
        gv="2255",
        level=2,
        name="Silver",
    )
    after = client.get("/dashboard/live/", HTTP_HX_REQUEST="true")

    assert 'data-stat="pv">160<' in before.content.decode()
    html = after.content.decode()
    assert html.lstrip().startswith('<section id="live"')
    assert "<html" not in html
    assert 'data-stat="pv">185<' in html
    assert 'data-stat="gv">2,255<' in html
    assert "25 from customers, 160 own orders" in html
    assert after["Cache-Control"] == "no-store"


@pytest.mark.django_db
def test_poll_interval_is_a_setting(team, settings):
    settings.DASHBOARD_POLL_SECONDS = 2

    html = client_for(team.anna).get("/dashboard/live/").content.decode()

    assert 'hx-trigger="every 2s"' in html


# --------------------------------------------------------------------------- team


@pytest.mark.django_db
def test_team_page_shows_direct_partners_legs_and_the_whole_list(team):
    html = client_for(team.anna).get("/dashboard/team/").content.decode()

    tree = html.split('id="tree-title"')[1].split('id="list-title"')[0]
    assert 'data-partner="ben"' in tree and 'data-partner="clara"' in tree
    assert 'data-partner="dora"' not in tree  # loaded on demand
    assert f'hx-get="/dashboard/team/{team.ben.pk}/"' in tree
    legs = html.split('id="legs-title"')[1].split('id="tree-title"')[0]
    assert 'data-leg="ben"' in legs and "1,070" in legs
    full_list = html.split('id="team-list"')[1]
    for slug in ("ben", "clara", "dora", "emil", "finn"):
        assert f'data-partner="{slug}"' in full_list


@pytest.mark.django_db
def test_expanding_a_node_returns_its_children_with_their_numbers(team):
    response = client_for(team.anna).get(f"/dashboard/team/{team.ben.pk}/", HTTP_HX_REQUEST="true")
    html = response.content.decode()

    assert "<html" not in html
    assert 'data-partner="dora"' in html and 'data-partner="emil"' in html
    assert 'data-partner="finn"' not in html
    assert "500" in html and "Bronze" in html


@pytest.mark.django_db
def test_node_page_without_javascript_shows_the_path_from_me(team):
    html = client_for(team.anna).get(f"/dashboard/team/{team.finn.pk}/").content.decode()

    assert "Team of Finn Fischer" in html
    assert f'href="/dashboard/team/{team.clara.pk}/"' in html


@pytest.mark.django_db
def test_team_list_searches_and_sorts(team):
    client = client_for(team.anna)

    found = client.get("/dashboard/team/?q=FIN", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="team-list")
    by_gv = client.get("/dashboard/team/?sort=-gv").content.decode().split('id="team-list"')[1]

    assert 'data-partner="finn"' in found.content.decode()
    assert 'data-partner="dora"' not in found.content.decode()
    assert "<html" not in found.content.decode()
    order = [
        by_gv.index(f'data-partner="{slug}"') for slug in ("ben", "clara", "finn", "dora", "emil")
    ]
    assert order == sorted(order)


@pytest.mark.django_db
def test_team_list_hints_who_is_close_to_the_next_rank(team, period):
    # Dora: Bronze, next is Silver (PV 100, GV 1000); 950 GV is within reach.
    stats_set(team.dora, period, pv="120", gv="950", level=1, name="Bronze")

    html = client_for(team.anna).get("/dashboard/team/?close=on").content.decode()
    listed = html.split('id="team-list"')[1]

    assert 'data-partner="dora"' in listed
    assert "close to Silver" in listed
    assert 'data-partner="emil"' not in listed  # 450 of 1000


@pytest.mark.django_db
def test_team_list_is_paginated(team, period):
    from tests.dashboard.conftest import team_build

    team_build(root=team.emil, size=30, period=period)

    html = client_for(team.anna).get("/dashboard/team/").content.decode()

    assert "35 partners" in html
    assert 'rel="next"' in html and 'rel="prev"' not in html


# ---------------------------------------------------------------------- customers


@pytest.mark.django_db
def test_customers_page_shows_bound_customers_and_their_orders_without_addresses(team):
    customer = CustomerFactory(
        first_name="Maria", last_name="Muster", bound_partner=team.ben, bound_at=timezone.now()
    )
    order = OrderFactory(
        customer=customer, attributed_partner=team.ben, street="Geheimweg 7", qv_total=Decimal("33")
    )
    Order.objects.filter(pk=order.pk).update(status=Order.Status.PAID)
    OrderFactory(customer=CustomerFactory(bound_partner=team.anna), attributed_partner=team.anna)

    html = client_for(team.ben).get("/dashboard/customers/").content.decode()

    assert "Maria M." in html
    assert order.number in html and "33" in html and "paid" in html
    assert "Geheimweg" not in html
    assert "Muster" not in html
    assert html.count('data-customer="') == 1


# -------------------------------------------------------------------- landing page


@pytest.mark.django_db
def test_landing_statistics_count_visits_orders_and_conversion(team):
    today = timezone.localdate()
    LandingVisitDay.objects.create(partner=team.ben, day=today, visits=40)
    LandingVisitDay.objects.create(partner=team.ben, day=today - dt.timedelta(days=1), visits=10)
    LandingVisitDay.objects.create(partner=team.ben, day=today - dt.timedelta(days=40), visits=999)
    LandingVisitDay.objects.create(partner=team.anna, day=today, visits=500)
    through_page = {"attributed_partner": team.ben, "referral_slug": team.ben.slug}
    OrderFactory(**through_page, attribution=Order.Attribution.LANDING)
    cancelled = OrderFactory(**through_page, attribution=Order.Attribution.LANDING)
    Order.objects.filter(pk=cancelled.pk).update(status=Order.Status.CANCELLED)
    OrderFactory(attributed_partner=team.anna)

    html = client_for(team.ben).get("/dashboard/landing-page/").content.decode()

    assert 'data-stat="visits">50<' in html
    assert 'data-stat="orders">1<' in html
    assert 'data-stat="conversion">2.0 %<' in html
    chart = json.loads(
        html.split('id="visits-data" type="application/json">')[1].split("</script>")[0]
    )
    assert len(chart["labels"]) == 30
    assert chart["datasets"][0]["data"][-1] == 40


# ------------------------------------------------------------------------- history


@pytest.mark.django_db
def test_history_lists_past_periods_and_feeds_the_chart(team, period):
    earlier = Period.objects.create(start=dt.date(2026, 1, 1), status=Period.Status.CLOSED)
    type(team.anna).objects.filter(pk=team.anna.pk).update(
        joined_at=timezone.make_aware(dt.datetime(2025, 12, 5))
    )
    team.anna.refresh_from_db()
    stats_set(team.anna, earlier, pv="80", gv="300", level=0)

    html = client_for(team.anna).get("/dashboard/history/").content.decode()

    assert 'data-period="2026-01"' in html
    assert f'data-period="{period.label}"' in html
    assert "/static/vendor/chartjs/chart.umd.min.js" in html
    chart = json.loads(
        html.split('id="history-data" type="application/json">')[1].split("</script>")[0]
    )
    assert chart["labels"][0] == "January 2026"
    assert chart["datasets"][0]["data"][0] == "80.00"
    assert chart["datasets"][1]["data"][-1] == "2230.00"


@pytest.mark.django_db
def test_overview_draws_the_qr_code_once_per_address(team, monkeypatch, settings):
    from django.core.cache import cache

    from partners import qr

    cache.clear()
    drawn = []
    draw = qr._draw_svg
    monkeypatch.setattr(
        qr, "_draw_svg", lambda data, title: drawn.append(data) or draw(data, title)
    )
    settings.SITE_URL = "https://example.com"

    for partner in (team.ben, team.ben, team.clara):
        html = client_for(partner).get("/dashboard/").content.decode()
        assert 'aria-label="QR code of your landing page"' in html

    assert drawn == ["https://example.com/ben/", "https://example.com/clara/"]
