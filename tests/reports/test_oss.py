"""The quarterly OSS return for finance: net and VAT per EU country of
destination and rate, from the invoices less their corrections; German sales
and exports stay out."""

from decimal import Decimal

import pytest
from django.utils import timezone

from orders.models import Product
from orders.services import order_mark_paid, order_place, order_refund
from reports.selectors import oss_return, quarter_of, quarter_parse
from tests.factories import ProductFactory

pytestmark = pytest.mark.django_db
D = Decimal
CUSTOMER = {
    "first_name": "Karla",
    "last_name": "Kundin",
    "street": "Ring 1",
    "city": "Stadt",
    "partner_code": "",
}
WHERE = {"DE": "10115", "AT": "1010", "FR": "75001", "CH": "8001"}


@pytest.fixture(autouse=True)
def _ship_to(settings):
    settings.SHIP_TO_COUNTRIES = list(WHERE)
    settings.SHIPPING_FREE_FROM = D("10.00")  # no shipping: the figures stay readable


@pytest.fixture
def soap(db):
    return ProductFactory(name="Seife", price=D("24.00"), sort_order=1)


@pytest.fixture
def tea(db):
    return ProductFactory(
        name="Tee", price=D("22.00"), tax_class=Product.TaxClass.REDUCED, sort_order=2
    )


def paid(country, lines, n=[0]):  # noqa: B006 - a counter for distinct e-mails
    n[0] += 1
    order = order_place(
        cart_lines=lines,
        customer_data={
            **CUSTOMER,
            "email": f"k{n[0]}@example.org",
            "country": country,
            "postal_code": WHERE[country],
        },
    )
    return order_mark_paid(order=order)


def test_the_oss_return_lists_net_and_vat_per_country_and_rate(soap, tea):
    paid("AT", {soap.pk: 1, tea.pk: 1})  # 24.00 at 20 %, 22.00 at 10 %
    paid("AT", {soap.pk: 1})
    paid("FR", {soap.pk: 1})  # 24.00 at 20 %
    paid("DE", {soap.pk: 3})  # domestic: not in the OSS
    paid("CH", {soap.pk: 3})  # export: not in the OSS

    rows = oss_return(start=quarter_of(timezone.localdate()))

    assert [(r.country, r.rate, r.net, r.vat) for r in rows] == [
        ("AT", D("10.00"), D("20.00"), D("2.00")),
        ("AT", D("20.00"), D("40.00"), D("8.00")),
        ("FR", D("20.00"), D("20.00"), D("4.00")),
    ]


def test_a_refund_lowers_the_quarter_it_is_corrected_in(soap):
    order = paid("AT", {soap.pk: 2})
    order_refund(order=order, quantities={order.lines.get().pk: 1})

    (row,) = oss_return(start=quarter_of(timezone.localdate()))

    assert (row.net, row.vat, row.documents) == (D("20.00"), D("4.00"), 2)


def test_finance_gets_the_page_and_the_csv(admin_client, soap):
    paid("AT", {soap.pk: 1})
    today = timezone.localdate()
    quarter = f"{today.year}-Q{(today.month + 2) // 3}"

    page = admin_client.get("/admin/reports/oss/", {"quarter": quarter})
    csv = admin_client.get("/admin/reports/oss/", {"quarter": quarter, "format": "csv"})

    assert page.status_code == 200 and "Österreich (AT)" in page.content.decode()
    lines = csv.content.decode("utf-8-sig").splitlines()
    assert lines[0] == "quarter;country;rate_percent;net_eur;vat_eur;documents"
    assert lines[1] == f"{quarter};AT;20.00;20.00;4.00;1"


def test_a_quarter_is_written_yyyy_qn(admin_client):
    assert quarter_parse("2026-q3").month == 7
    assert admin_client.get("/admin/reports/oss/", {"quarter": "2026-13"}).status_code == 400
