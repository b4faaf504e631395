"""The admin home shows today's figures with links to the lists behind them."""

from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from orders.models import Order
from payouts.models import PayoutRun
from reports.selectors import admin_today
from tests.factories import OrderFactory, PartnerFactory, UserFactory

pytestmark = pytest.mark.django_db
BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 11, 20, 15, 0, tzinfo=BERLIN)
D = Decimal


@pytest.fixture
def november():
    """Orders: today 2 paid (100 + 50) and 1 prepayment pending (30); earlier this
    month 1 shipped (20); last month 1 paid (999) and 1 prepayment pending (40);
    a cancelled order paid late (needs attention). Partners: 1 joined today,
    1 earlier this month, 1 last month. One payout run waits for approval."""
    P = Order.Status

    def order(total, status, at, **kwargs):
        return OrderFactory(price_total=D(total), status=status, placed_at=at, **kwargs)

    order("100", P.PAID, NOW - timedelta(hours=1))
    order("50", P.PAID, NOW.replace(hour=0, minute=5))
    order("30", P.PENDING, NOW, payment_method=Order.PaymentMethod.PREPAYMENT)
    order("20", P.SHIPPED, NOW - timedelta(days=5))
    order("999", P.PAID, datetime(2026, 10, 31, 23, 59, tzinfo=BERLIN))
    order(
        "40",
        P.PENDING,
        datetime(2026, 10, 20, tzinfo=BERLIN),
        payment_method=Order.PaymentMethod.PREPAYMENT,
    )
    order(
        "10",
        P.CANCELLED,
        datetime(2026, 10, 10, tzinfo=BERLIN),
        late_payment_reference="pi_123",
        late_payment_amount=D("10"),
    )
    PartnerFactory(joined_at=NOW - timedelta(hours=2))
    PartnerFactory(joined_at=NOW - timedelta(days=3))
    PartnerFactory(joined_at=datetime(2026, 10, 31, 12, tzinfo=BERLIN))
    PayoutRun.objects.create(prepared_by=UserFactory())
    PayoutRun.objects.create(prepared_by=UserFactory(), status=PayoutRun.Status.CANCELLED)


def test_today_figures(november):
    f = admin_today(now=NOW)
    assert (f.orders_today, f.revenue_today) == (3, D("150"))
    assert (f.orders_period, f.revenue_period) == (4, D("170"))
    assert (f.open_prepayments, f.open_prepayments_total) == (2, D("70"))
    assert (f.new_partners_today, f.new_partners_period) == (1, 2)
    assert f.payout_runs_waiting == 1
    assert f.orders_needing_attention == 1
    assert f.days_left == 11  # 20th to 30th November, today included


def test_the_last_day_of_a_period_has_one_day_left():
    assert admin_today(now=datetime(2026, 12, 31, 23, 0, tzinfo=BERLIN)).days_left == 1


def test_the_admin_home_shows_the_figures_with_links(superuser_client):
    OrderFactory(price_total=D("12.50"), status=Order.Status.PAID, placed_at=timezone.now())
    page = superuser_client.get(reverse("admin:index")).content.decode()
    block = page.split('id="fig-orders-today"')[1].split("</a>")[0]
    assert "<strong>1</strong>" in block and "order today" in block and "12.50\u00a0€" in block
    orders = reverse("admin:orders_order_changelist")
    assert f'href="{orders}?attention=late_payment"' in page
    assert f'href="{orders}?status__exact=pending&amp;payment_method__exact=prepayment"' in page
    assert reverse("admin:payouts_payoutrun_changelist") + "?status__exact=prepared" in page
    assert reverse("reports:index") in page


def test_every_figure_link_opens_its_list(superuser_client):
    for url in admin_today().links.values():
        response = superuser_client.get(url)
        assert response.status_code == 200, url
        assert "?e=1" not in response.get("Location", ""), url


def test_the_admin_home_says_1_bestellung_in_german(client_for):
    OrderFactory(status=Order.Status.PAID, placed_at=timezone.now())
    client = client_for(UserFactory(is_staff=True, is_superuser=True), language="de")
    page = client.get(reverse("admin:index")).content.decode()
    block = page.split('id="fig-orders-today"')[1].split("</a>")[0]
    assert "Bestellung heute" in block and "Bestellungen" not in block


def test_staff_without_orders_see_no_figures(client_for, staff_in):
    page = client_for(staff_in("Plan manager")).get(reverse("admin:index")).content.decode()
    assert 'id="fig-orders-today"' not in page
