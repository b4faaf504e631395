"""VAT by the country delivered to (orders/taxes.py): EU consumers pay their
country's rate at the same gross price, an export (CH) pays the German net
without VAT; the QV never moves, the CV follows the net."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from orders.models import Order, Product
from orders.pricing import cv_proposed, vat_contained
from orders.taxes import TaxClass, Treatment, treatment, vat_rate
from tests.factories import ProductFactory

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture(autouse=True)
def _ship_to_europe(settings):
    settings.SHIP_TO_COUNTRIES = ["DE", "AT", "FR", "CH"]
    settings.SHIPPING_FLAT_FEE, settings.SHIPPING_FREE_FROM = D("4.90"), D("50.00")


@pytest.fixture
def tea(db):
    return ProductFactory(
        name="Tee",
        price=D("8.99"),
        qv=D("6.00"),
        cv=cv_proposed(price=D("8.99"), vat_rate=D("7")),
        tax_class=TaxClass.REDUCED,
        sort_order=3,
    )


def _line(order: Order):
    return order.lines.get()


def test_an_austrian_consumer_pays_20_percent_at_the_same_gross_price(place, soap):
    order = place(country="AT", postal_code="1010")
    line = _line(order)
    assert (line.unit_price, line.vat_rate) == (D("12.50"), D("20.00"))
    assert order.total == D("12.50") + D("4.90")  # gross and shipping as in Germany
    assert order.vat_total == vat_contained(D("17.40"), D("20"))


def test_a_reduced_product_carries_the_destinations_reduced_rate(place, tea):
    at = _line(place(lines={tea.pk: 1}, country="AT", postal_code="1010"))
    fr = _line(place(lines={tea.pk: 1}, country="FR", postal_code="75001", email="f@example.org"))
    de = _line(place(lines={tea.pk: 1}, email="d@example.org"))
    assert (de.vat_rate, at.vat_rate, fr.vat_rate) == (D("7.00"), D("10.00"), D("5.50"))


def test_a_swiss_customer_pays_the_german_net_without_vat(place, soap):
    order = place(country="CH", postal_code="8001")
    line = _line(order)
    assert (line.unit_price, line.vat_rate) == (D("10.50"), D("0.00"))  # 12.50 / 1.19
    assert order.shipping == D("4.12")  # 4.90 / 1.19
    assert order.vat_total == D("0.00")
    assert order.total == D("14.62")


def test_the_qv_never_depends_on_the_country(place, soap):
    qvs = {
        country: place(country=country, postal_code=code, email=f"{country}@example.org").qv
        for country, code in (("DE", "10115"), ("AT", "1010"), ("FR", "75001"), ("CH", "8001"))
    }
    assert set(qvs.values()) == {soap.qv}


def test_the_cv_follows_the_net_price(place, tea):
    de = place(lines={tea.pk: 1}, email="d@example.org")
    at = place(lines={tea.pk: 1}, country="AT", postal_code="1010")
    ch = place(lines={tea.pk: 1}, country="CH", postal_code="8001", email="c@example.org")
    assert de.cv == tea.cv == D("8.40")  # 8.99 / 1.07
    # Austria: the same 8.99 hold 10 % VAT, so the net and with it the CV are lower.
    assert at.cv == D("8.17") == (D("8.99") / D("1.10")).quantize(D("0.01"))
    assert ch.cv == tea.cv  # the export pays the German net: the CV stays


def test_a_country_the_company_does_not_ship_to_is_refused(place, settings):
    settings.SHIP_TO_COUNTRIES = ["DE", "AT"]
    with pytest.raises(ValidationError) as excinfo:
        place(country="FR", postal_code="75001")
    assert "country" in excinfo.value.message_dict


def test_the_checkout_offers_the_ship_to_countries_in_their_order(client, soap, settings):
    settings.SHIP_TO_COUNTRIES = ["DE", "AT", "CH"]
    client.post("/cart/add/", {"product": soap.pk})
    html = client.get("/checkout/").content.decode()
    assert html.index('value="DE"') < html.index('value="AT"') < html.index('value="CH"')
    assert 'value="FR"' not in html


def test_the_review_shows_the_vat_of_the_country_chosen(client, soap):
    client.post("/cart/add/", {"product": soap.pk})
    form = {
        "email": "k@example.org",
        "first_name": "Karla",
        "last_name": "Kundin",
        "street": "Ring 1",
        "postal_code": "1010",
        "city": "Wien",
        "country": "AT",
        "payment_method": "prepayment",
        "accept_terms": "on",
    }
    assert client.post("/checkout/", form).status_code == 302
    html = client.get("/checkout/review/").content.decode()
    assert "incl. 20\u00a0% VAT" in html and "19\u00a0%" not in html
    client.post("/checkout/", {**form, "country": "CH", "postal_code": "8001"})
    html = client.get("/checkout/review/").content.decode()
    assert "10.50" in html or "10,50" in html  # the line at the German net
    assert "incl. 0" not in html and "No VAT: delivery outside the EU" in html


def test_rates_follow_the_date_they_apply_from():
    assert vat_rate(country="EE", tax_class=TaxClass.STANDARD, on=date(2025, 6, 30)) == D("22")
    assert vat_rate(country="EE", tax_class=TaxClass.STANDARD, on=date(2025, 7, 1)) == D("24")


def test_deliveries_are_domestic_oss_or_export():
    assert [treatment(c) for c in ("DE", "AT", "CH")] == [
        Treatment.DOMESTIC,
        Treatment.OSS,
        Treatment.EXPORT,
    ]


def test_a_product_of_7_percent_is_of_the_reduced_class():
    product = Product(name="Tee", price=D("5"), vat_rate=D("7.00"))
    assert product.tax_class == TaxClass.REDUCED and product.vat_rate == D("7.00")
