"""The company's reports on small hand-made data (commissions.md 7)."""

import csv
import io
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from commissions.models import PeriodCommissionSummary
from orders.models import Order
from qualification.periods import period_name
from reports import selectors
from tests.factories import OrderFactory, PartnerFactory

from .conftest import period_make, statement_make, title_give

pytestmark = pytest.mark.django_db
BERLIN = ZoneInfo("Europe/Berlin")
D = Decimal


# --- percentiles -------------------------------------------------------------------


def test_nearest_rank_percentile_picks_a_real_value():
    values = [D(v) for v in (0, 0, 30, 50, 100)]
    assert selectors.percentile_nearest_rank(values, 10) == 0  # rank ceil(0.5) = 1
    assert selectors.percentile_nearest_rank(values, 25) == 0  # rank 2
    assert selectors.percentile_nearest_rank(values, 50) == 30  # rank 3
    assert selectors.percentile_nearest_rank(values, 75) == 50  # rank ceil(3.75) = 4
    assert selectors.percentile_nearest_rank(values, 90) == 100  # rank 5
    assert selectors.percentile_nearest_rank([], 50) is None


# --- income disclosure -------------------------------------------------------------


@pytest.fixture
def year_2026():
    """Five partners with statements in two closed months of 2026:
    a 0, b 30 (title Bronze), c 100 (Bronze), d 0, e 50 (Silver).
    Ignored: a statement of 2025 and one of an open 2026 period."""
    jan, feb = period_make("2026-01"), period_make("2026-02")
    old, open_ = period_make("2025-12"), period_make("2026-03", closed=False)
    a, b, c, d, e = (PartnerFactory(slug=f"p-{s}") for s in "abcde")
    statement_make(a, jan, "0")
    statement_make(a, feb, "0")
    statement_make(b, jan, "10")
    statement_make(b, feb, "20")
    statement_make(c, feb, "100")
    statement_make(d, jan, "0")
    statement_make(e, jan, "50")
    statement_make(d, old, "999")
    statement_make(d, open_, "999")
    title_give(b, 1, "Bronze", jan)
    title_give(c, 1, "Bronze", feb)
    title_give(e, 2, "Silver", jan)
    return {"a": a, "b": b, "c": c, "d": d, "e": e}


def test_income_disclosure_shares_median_and_percentiles_by_title(year_2026):
    groups = {g.level: g for g in selectors.income_disclosure(year=2026)}
    everyone = groups[-1]
    assert everyone.partners == 5
    assert everyone.earning_nothing == 2
    assert everyone.share_earning_nothing == D("40.00")
    assert everyone.median == D("30.00")
    assert everyone.percentiles == {10: 0, 25: 0, 75: 50, 90: 100}
    assert everyone.mean == D("36.00")
    untitled, bronze, silver = groups[0], groups[1], groups[2]
    assert (untitled.partners, untitled.earning_nothing, untitled.median) == (2, 2, D("0"))
    assert bronze.title == "Bronze"
    assert (bronze.partners, bronze.earning_nothing, bronze.median) == (2, 0, D("65.00"))
    assert bronze.percentiles[25] == 30 and bronze.percentiles[75] == 100
    assert (silver.partners, silver.median) == (1, D("50.00"))


def test_income_disclosure_of_a_year_without_statements_is_empty(year_2026):
    (everyone,) = selectors.income_disclosure(year=2024)
    assert everyone.partners == 0 and everyone.median is None


def test_income_disclosure_page_and_csv(superuser_client, year_2026):
    url = reverse("reports:income_disclosure")
    page = superuser_client.get(url, {"year": "2026"})
    assert page.status_code == 200
    assert "Income disclosure 2026" in page.content.decode()
    assert 'id="income-data"' in page.content.decode()  # chart data
    response = superuser_client.get(url, {"year": "2026", "format": "csv"})
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode()), delimiter=";"))
    assert rows[0][:5] == [
        "title_level",
        "title",
        "partners",
        "earning_nothing",
        "share_earning_nothing_percent",
    ]
    assert rows[1][2:5] == ["5", "2", "40.00"]
    assert rows[3][1] == "Bronze" and rows[3][6] == "65.00"


def test_income_disclosure_refuses_a_year_that_is_not_one(superuser_client):
    response = superuser_client.get(reverse("reports:income_disclosure"), {"year": "20x6"})
    assert response.status_code == 400
    assert "is not a year" in response.content.decode()


def test_a_title_that_looks_like_a_formula_is_neutralised_in_the_csv(superuser_client):
    jan = period_make("2026-01")
    p = PartnerFactory(slug="evil")
    statement_make(p, jan, "5")
    title_give(p, 1, '=HYPERLINK("http://x")', jan)
    response = superuser_client.get(
        reverse("reports:income_disclosure"), {"year": "2026", "format": "csv"}
    )
    rows = list(csv.reader(io.StringIO(response.content.decode()), delimiter=";"))
    titles = [row[1] for row in rows[1:]]
    assert not any(t.startswith("=") for t in titles)
    assert any("HYPERLINK" in t for t in titles)


# --- customer share ----------------------------------------------------------------


@pytest.fixture
def shares(paid_order):
    """In the current period: anna 80 customer + 20 own; bert 30 customer + 70 own;
    carla exactly half and half; dora nothing."""
    anna, bert, carla = (
        PartnerFactory(slug=s, first_name=s.title(), last_name="Muster")
        for s in ("anna", "bert", "carla")
    )
    PartnerFactory(slug="dora")
    paid_order(anna, "80")
    paid_order(anna, "20", own=True)
    paid_order(bert, "30")
    paid_order(bert, "70", own=True)
    paid_order(carla, "50")
    paid_order(carla, "50", own=True)
    return anna, bert, carla


def _current_period():
    from qualification.models import Period

    return Period.objects.get(start=timezone.localdate().replace(day=1))


def test_customer_share_per_partner_from_the_volume_ledger(shares):
    rows = {r.slug: r for r in selectors.customer_share(period=_current_period())}
    assert set(rows) == {"anna", "bert", "carla"}
    assert (rows["anna"].customer_cv, rows["anna"].own_cv) == (D("80"), D("20"))
    assert rows["anna"].customer_share == D("0.8")
    assert rows["bert"].own_share == D("0.7")
    assert [r.slug for r in selectors.customer_share(period=_current_period())][0] == "bert"


def test_own_purchases_dominate_above_the_threshold_setting(shares, settings):
    rows = selectors.customer_share(period=_current_period())
    settings.OWN_PURCHASE_SHARE_ALERT = D("0.5")
    assert [r.slug for r in selectors.own_purchases_dominate(rows)] == ["bert"]  # carla is at 0.5
    settings.OWN_PURCHASE_SHARE_ALERT = D("0.1")
    assert {r.slug for r in selectors.own_purchases_dominate(rows)} == {"anna", "bert", "carla"}
    settings.OWN_PURCHASE_SHARE_ALERT = D("0.7")
    assert selectors.own_purchases_dominate(rows) == []


def test_customer_share_page_lists_the_dominating_partners_and_exports_all(
    shares, superuser_client, settings
):
    settings.OWN_PURCHASE_SHARE_ALERT = D("0.6")
    url = reverse("reports:customer_share")
    page = superuser_client.get(url).content.decode()
    dominating = page.split('id="dominating"')[1].split("</ul>")[0]
    assert "Bert Muster: own purchases" in dominating
    assert "Anna" not in dominating and "Carla" not in dominating
    assert "above 60 % of CV" in page
    response = superuser_client.get(url, {"format": "csv"})
    rows = list(csv.reader(io.StringIO(response.content.decode()), delimiter=";"))
    by_slug = {row[0]: row for row in rows[1:]}
    assert by_slug["anna"][5] == "80.0" and by_slug["anna"][6] == "no"
    assert by_slug["bert"][6] == "yes"


def test_customer_share_refuses_a_bad_period(superuser_client):
    response = superuser_client.get(reverse("reports:customer_share"), {"period": "2026-13"})
    assert response.status_code == 400
    assert "is not a month" in response.content.decode()


# --- revenue by attribution --------------------------------------------------------


def test_revenue_by_attribution_reason_and_channel():
    p = PartnerFactory()
    at = datetime(2026, 10, 15, 12, tzinfo=BERLIN)
    A = Order.Attribution

    def order(attribution, total, status=Order.Status.PAID, placed_at=at):
        OrderFactory(
            attributed_partner=None if attribution == A.NONE else p,
            attribution=attribution,
            price_total=D(total),
            status=status,
            placed_at=placed_at,
        )

    order(A.LANDING, "100")
    order(A.COOKIE, "50")
    order(A.CODE, "30")
    order(A.BOUND, "20", status=Order.Status.SHIPPED)
    order(A.SELF, "40")
    order(A.NONE, "10")
    order(A.CODE, "999", status=Order.Status.PENDING)  # not paid: no revenue
    order(A.CODE, "999", status=Order.Status.CANCELLED)
    order(A.CODE, "999", placed_at=datetime(2026, 11, 1, 0, 30, tzinfo=BERLIN))  # next month
    order(
        A.CODE, "5", placed_at=datetime(2026, 9, 30, 23, 30, tzinfo=ZoneInfo("UTC"))
    )  # Oct 1st in Berlin

    figures = selectors.revenue_by_attribution(start=date(2026, 10, 1), end=date(2026, 11, 1))
    reasons = {r["reason"]: r for r in figures["reasons"]}
    assert figures["total"] == D("255")
    assert (reasons["landing"]["orders"], reasons["landing"]["revenue"]) == (1, D("100"))
    assert (reasons["code"]["orders"], reasons["code"]["revenue"]) == (2, D("35"))
    assert reasons["import"]["orders"] == 0
    channels = figures["channels"]
    assert channels["landing"]["revenue"] == D("150")
    assert channels["code"]["revenue"] == D("35")
    assert channels["bound"]["revenue"] == D("20")
    assert channels["own"]["revenue"] == D("40")
    assert channels["other"]["revenue"] == D("10")
    assert channels["landing"]["share"] == D("58.82")


def test_revenue_page_with_chart_and_csv(superuser_client):
    OrderFactory(
        attribution=Order.Attribution.NONE,
        price_total=D("12.50"),
        status=Order.Status.PAID,
        placed_at=datetime(2026, 10, 15, 12, tzinfo=BERLIN),
    )
    url = reverse("reports:revenue")
    page = superuser_client.get(url, {"period": "2026-10"}).content.decode()
    assert 'id="revenue-data"' in page and "chart.umd.min.js" in page
    assert "12.50\u00a0€" in page
    response = superuser_client.get(url, {"period": "2026-10", "format": "csv"})
    rows = list(csv.reader(io.StringIO(response.content.decode()), delimiter=";"))
    assert ["none", "1", "12.50"] in rows


# --- period summary ----------------------------------------------------------------


def test_period_summary_payout_percent_partners_paid_and_by_rank(superuser_client):
    oct_ = period_make("2026-10")
    a, b, c = PartnerFactory(), PartnerFactory(), PartnerFactory()
    statement_make(a, oct_, "60", paid_as_level=1, paid_as_rank_name="Bronze", cv=D("400"))
    statement_make(b, oct_, "40", paid_as_level=1, paid_as_rank_name="Bronze", cv=D("600"))
    statement_make(c, oct_, "0", cv=D("0"))
    PeriodCommissionSummary.objects.create(
        period=oct_,
        cv_total=D("1000"),
        customer_commission=D("70"),
        team_commission=D("30"),
        total=D("100"),
        cap_factor=None,
        computed_at=datetime(2026, 11, 1, tzinfo=BERLIN),
    )
    (row,) = selectors.period_summaries()
    assert row["payout_percent"] == D("10.00")
    assert row["partners_paid"] == 2
    by_rank = {r["paid_as_rank_name"]: r for r in selectors.period_by_rank(period=oct_)}
    assert by_rank["Bronze"]["partners"] == 2 and by_rank["Bronze"]["total"] == D("100")
    assert by_rank[""]["partners"] == 1 and by_rank[""]["partners_paid"] == 0
    page = superuser_client.get(reverse("reports:index")).content.decode()
    assert "2026-10" in page and "10.00" in page and 'id="payout-percent-data"' in page


def test_reports_need_the_permission(client_for, staff_in):
    support = client_for(staff_in("Support"))
    assert support.get(reverse("reports:index")).status_code == 403
    assert support.get(reverse("reports:revenue")).status_code == 403
    finance = client_for(staff_in("Finance"))
    assert finance.get(reverse("reports:revenue")).status_code == 200


def test_customer_share_page_speaks_to_finance(shares, superuser_client):
    """Partners by name, the month by its name, no setting names."""
    url = reverse("reports:customer_share")
    page = superuser_client.get(url, HTTP_ACCEPT_LANGUAGE="de").content.decode()
    table = page.split('id="customer-share"')[1].split("</table>")[0]

    assert "OWN_PURCHASE_SHARE_ALERT" not in page
    assert "Anna Muster" in table and ">anna<" not in table
    assert "Kundenanteil " + period_name(_current_period()) in page
