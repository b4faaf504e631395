"""Tab "Links": product links with copy field and QR code, campaigns, the
partner code, featured products, and the campaign and product figures."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from landing.models import Campaign, FeaturedProduct, LinkVisitDay
from orders.models import Order
from tests.factories import OrderFactory, PartnerFactory, ProductFactory

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def anna_client(client, partner, settings):
    settings.LANGUAGE_CODE = "en"
    settings.SITE_URL = "https://shop.example"
    client.force_login(partner.user)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@pytest.fixture
def soap(db):
    return ProductFactory(name="Seife", price=D("12.50"), qv=D("10.00"), sort_order=1)


def test_every_active_product_has_a_copyable_partner_link_and_a_qr_code(anna_client, soap):
    cream = ProductFactory(name="Creme", sort_order=2)
    ProductFactory(name="Alt", is_active=False)

    html = anna_client.get("/dashboard/links/").content.decode()

    assert f'value="https://shop.example/anna/p/{soap.pk}-seife/"' in html
    assert f'value="https://shop.example/anna/p/{cream.pk}-creme/"' in html
    assert "/p/" not in html.split("Alt")[0] or "-alt/" not in html
    assert html.count('data-testid="product-url"') == 2
    assert html.count("<svg") >= 2 and "QR code of your link to Seife" in html
    assert f'data-copy-target="product-url-{soap.pk}"' in html


def test_product_links_for_a_campaign_carry_it(anna_client, partner, soap):
    Campaign.objects.create(partner=partner, name="story")
    html = anna_client.get("/dashboard/links/?c=story").content.decode()
    assert f'value="https://shop.example/anna/p/{soap.pk}-seife/?c=story"' in html
    assert 'value="https://shop.example/anna/c/story/"' in html


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("", "Please give the campaign a name"),
        ("Insta Story", "Use only lowercase letters"),
        ("x" * 41, "at most 40 characters"),
        ("-story", "Use only lowercase letters"),
    ],
)
def test_a_bad_campaign_name_is_refused_next_to_the_field(anna_client, name, message):
    response = anna_client.post("/dashboard/links/", {"action": "campaign", "name": name})
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html and 'id="id_name_error"' in html
    assert not Campaign.objects.exists()


def test_a_campaign_is_created_once_per_partner(anna_client, partner):
    response = anna_client.post("/dashboard/links/", {"action": "campaign", "name": "Insta-Nov"})
    assert response.status_code == 302
    assert Campaign.objects.get().name == "insta-nov"
    again = anna_client.post("/dashboard/links/", {"action": "campaign", "name": "insta-nov"})
    assert again.status_code == 400 and "already have a campaign" in again.content.decode()
    other = PartnerFactory(slug="ben")
    Campaign.objects.create(partner=other, name="insta-nov")  # another partner's is theirs


def test_partner_code_is_saved_and_errors_shown(anna_client, partner):
    PartnerFactory(slug="ben")
    bad = anna_client.post("/dashboard/links/", {"action": "code", "code": "ben"})
    assert bad.status_code == 400 and "already taken" in bad.content.decode()
    ok = anna_client.post("/dashboard/links/", {"action": "code", "code": "Anna10"})
    assert ok.status_code == 302
    partner.refresh_from_db()
    assert partner.code == "anna10"


def test_featured_products_come_first_on_the_landing_page_in_the_chosen_order(
    anna_client, partner, soap, client
):
    cream = ProductFactory(name="Creme", sort_order=2)
    oil = ProductFactory(name="Öl", sort_order=3)

    anna_client.post(
        "/dashboard/links/",
        {
            "action": "featured",
            "featured": [str(cream.pk), str(oil.pk)],
            f"position_{oil.pk}": "1",
            f"position_{cream.pk}": "2",
        },
    )

    assert list(FeaturedProduct.objects.values_list("product_id", flat=True)) == [oil.pk, cream.pk]
    anna_client.logout()
    html = anna_client.get("/anna/").content.decode()
    favourites, rest = html.split("All products")
    assert favourites.index("Öl") < favourites.index("Creme") and "Seife" not in favourites
    assert "Seife" in rest


def _order(partner, *, days_ago, campaign="", product=None, status=Order.Status.PAID, qv="10"):
    placed = timezone.now() - dt.timedelta(days=days_ago)
    order = OrderFactory(
        attributed_partner=partner,
        campaign=campaign,
        placed_at=placed,
        status=status,
        subtotal=D("20.00"),
        total=D("24.90"),
        qv=D(qv),
    )
    if product is not None:
        line = order.lines.first()
        line.product = product
        line.unit_price = D("20.00")
        line.quantity = 1
        line.unit_qv = D(qv)
        line.save()
    return order


def test_campaign_and_product_figures_over_30_and_90_days(anna_client, partner, soap):
    Campaign.objects.create(partner=partner, name="story")
    today = timezone.localdate()
    LinkVisitDay.objects.create(partner=partner, day=today, campaign="story", visits=8)
    LinkVisitDay.objects.create(
        partner=partner, day=today - dt.timedelta(days=45), campaign="story", visits=12
    )
    LinkVisitDay.objects.create(partner=partner, day=today, product_id=soap.pk, visits=5)
    _order(partner, days_ago=1, campaign="story", product=soap)
    _order(partner, days_ago=50, campaign="story", product=soap)
    _order(partner, days_ago=2, campaign="story", status=Order.Status.CANCELLED)
    _order(partner, days_ago=100, campaign="story")  # outside both windows
    _order(PartnerFactory(slug="ben"), days_ago=1, campaign="story")  # someone else's

    from dashboard.selectors_links import link_stats

    last30 = link_stats(partner=partner, days=30)
    story = next(r for r in last30.campaigns if r.key == "story")
    assert (story.visits, story.orders, story.revenue, story.qv) == (8, 1, D("20.00"), D("10"))
    assert story.conversion == D("12.5")
    soap_row = next(r for r in last30.products if r.key == str(soap.pk))
    assert (soap_row.visits, soap_row.orders, soap_row.revenue) == (5, 1, D("20.00"))

    last90 = link_stats(partner=partner, days=90)
    story = next(r for r in last90.campaigns if r.key == "story")
    assert (story.visits, story.orders, story.revenue) == (20, 2, D("40.00"))
    assert story.conversion == D("10.0")

    html = anna_client.get("/dashboard/links/?days=90").content.decode()
    assert 'data-testid="campaign-stats"' in html and 'id="campaign-data"' in html
    assert "Last 90 days" in html


def test_a_campaign_without_visits_shows_no_conversion(partner):
    from dashboard.selectors_links import link_stats

    Campaign.objects.create(partner=partner, name="quiet")
    row = link_stats(partner=partner).campaigns[0]
    assert row.visits == 0 and row.conversion is None


def test_the_links_tab_needs_a_signed_in_partner(client):
    response = client.get("/dashboard/links/")
    assert response.status_code == 302 and "/login/" in response.url


@pytest.mark.parametrize("value", ["²", "x", "1" * 20, "-1", "\x00"])
def test_strange_featured_input_changes_nothing_and_is_no_server_error(anna_client, soap, value):
    response = anna_client.post(
        "/dashboard/links/",
        {"action": "featured", "featured": [value], f"position_{soap.pk}": value},
    )
    assert response.status_code in (302, 400)
    assert not FeaturedProduct.objects.exists()


def test_strange_product_and_campaign_parameters_are_ignored(client, partner, soap):
    assert client.get("/anna/c/story/?p=²").url == "/anna/?c=story"
    assert client.get("/anna/me/?p=²&next=/anna/%3Fc%3D%00").status_code == 200


def test_figures_cost_the_same_few_queries_for_many_campaigns_and_products(
    partner, soap, django_assert_num_queries
):
    from dashboard.selectors_links import link_stats

    today = timezone.localdate()
    for n in range(15):
        product = ProductFactory(name=f"P{n}")
        Campaign.objects.create(partner=partner, name=f"c{n}")
        LinkVisitDay.objects.create(partner=partner, day=today, campaign=f"c{n}", visits=n + 1)
        _order(partner, days_ago=1, campaign=f"c{n}", product=product)
    with django_assert_num_queries(6):
        stats = link_stats(partner=partner, days=90)
    assert len(stats.campaigns) == 15 and sum(r.orders for r in stats.products) == 15
