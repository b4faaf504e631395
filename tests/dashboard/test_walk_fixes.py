"""What a newcomer's walk through the dashboard found, as a partner sees it."""

import datetime as dt
import json
import re

import pytest
from django.conf import settings
from django.utils import timezone

from landing.models import LandingVisitDay
from orders.models import Customer, Order
from qualification.models import Period
from tests.dashboard.conftest import client_for, stats_set
from tests.factories import CustomerFactory, OrderFactory

pytestmark = pytest.mark.django_db


def chart_of(html: str, script_id: str) -> dict:
    return json.loads(
        html.split(f'id="{script_id}" type="application/json">')[1].split("</script>")[0]
    )


# ------------------------------------------------------------------ landing page


def test_conversion_counts_page_orders_only_on_days_with_counted_visits(team):
    today = timezone.localdate()
    LandingVisitDay.objects.create(partner=team.ben, day=today, visits=20)
    page = {"attributed_partner": team.ben, "referral_slug": "ben"}
    OrderFactory(**page, attribution=Order.Attribution.LANDING)
    # an order three days ago, when no visit was counted: shown, not in the rate
    OrderFactory(
        **page,
        attribution=Order.Attribution.COOKIE,
        placed_at=timezone.now() - dt.timedelta(days=3),
    )
    # not brought by the page: the partner's own order, a code typed elsewhere
    OrderFactory(**page, attribution=Order.Attribution.SELF)
    OrderFactory(attributed_partner=team.ben, attribution=Order.Attribution.CODE)

    html = client_for(team.ben).get("/dashboard/landing-page/").content.decode()

    assert 'data-stat="orders">2<' in html
    assert 'data-stat="conversion">5.0 %<' in html  # 1 order / 20 visits


def test_visit_chart_days_speak_the_visitors_language(team):
    today = timezone.localdate()
    german = client_for(team.ben, language="de").get("/dashboard/landing-page/")
    english = client_for(team.ben).get("/dashboard/landing-page/")
    month_de = [
        "Januar",
        "Februar",
        "März",
        "April",
        "Mai",
        "Juni",
        "Juli",
        "August",
        "September",
        "Oktober",
        "November",
        "Dezember",
    ][today.month - 1]
    assert chart_of(german.content.decode(), "visits-data")["labels"][-1] == (
        f"{today.day}. {month_de}"
    )
    label = chart_of(english.content.decode(), "visits-data")["labels"][-1]
    assert label == today.strftime("%B ") + str(today.day)
    assert not re.match(r"\d{4}-\d\d-\d\d", label)


# ------------------------------------------------------------------ history


def test_history_is_labelled_with_month_names_and_drawn_as_bars_when_short(team, period):
    html = client_for(team.anna, language="de").get("/dashboard/history/").content.decode()
    month = period.start
    assert chart_of(html, "history-data")["labels"][-1].endswith(str(month.year))
    assert re.search(r">[A-ZÄÖÜ][a-zäöü]+ " + str(month.year) + "</th>", html)
    assert 'data-chart-type="bar"' in html


def test_history_with_many_months_is_a_line(team, period):
    type(team.anna).objects.filter(pk=team.anna.pk).update(
        joined_at=timezone.make_aware(dt.datetime(2025, 1, 5))
    )
    for month in range(1, 6):
        stats_set(
            team.anna,
            Period.objects.create(start=dt.date(2025, month, 1)),
            pv="10",
            gv="10",
            level=0,
        )
    html = client_for(team.anna).get("/dashboard/history/").content.decode()
    assert "January 2025" in html
    assert 'data-chart-type="line"' in html


# ------------------------------------------------------------------ customers


def test_customer_since_is_the_date_of_the_first_order(team):
    customer = CustomerFactory(
        first_name="Maria", last_name="Muster", bound_partner=team.ben, bound_at=timezone.now()
    )
    OrderFactory(
        customer=customer,
        attributed_partner=team.ben,
        placed_at=timezone.make_aware(dt.datetime(2026, 3, 14, 12)),
    )
    OrderFactory(
        customer=customer,
        attributed_partner=team.ben,
        placed_at=timezone.make_aware(dt.datetime(2026, 5, 2, 12)),
    )

    html = client_for(team.ben, language="de").get("/dashboard/customers/").content.decode()

    assert "seit 14.03.2026" in html


def test_customers_with_the_same_first_name_and_initial_are_told_apart(team):
    now = timezone.now()
    for n, last in enumerate(["Müller", "Meier", "Schmidt"]):
        CustomerFactory(
            first_name="Anna",
            last_name=last,
            bound_partner=team.ben,
            bound_at=now + dt.timedelta(minutes=n),
        )

    html = client_for(team.ben).get("/dashboard/customers/").content.decode()
    names = re.findall(r'<h2 class="card-title mb-0">([^<]+)</h2>', html)

    assert sorted(names) == ["Anna M.", "Anna M. (2)", "Anna S."]
    assert Customer.objects.count() == 3


# ------------------------------------------------------------------ team, profile, phone


def test_team_search_says_what_it_searches(team):
    html = client_for(team.anna, language="de").get("/dashboard/team/").content.decode()
    assert "Name oder Landingpage-Adresse" in html


def test_profile_photo_field_has_no_colon_labels(team):
    html = client_for(team.anna).get("/dashboard/profile/").content.decode()
    assert "Currently:" not in html and "Change:" not in html
    assert 'type="file" name="photo"' in html


def test_overview_puts_volume_first_on_a_phone_and_tabs_scroll(team):
    css = (settings.BASE_DIR / "static" / "css" / "app.css").read_text(encoding="utf-8")
    assert ".dash-grid > .share-card { order: 1; }" in css
    assert re.search(r"\.dash-nav ul \{[^}]*flex-wrap: nowrap", css)
    assert (
        "@media (pointer: coarse) and (max-width: 48rem) { .only-large-screen { display: none; } }"
        in css
    )
