"""Invoices of deliveries abroad: an Austrian consumer's shows Austrian VAT and
says why (one-stop shop); a Swiss customer's shows no VAT and the export
exemption, in the PDF and as EN 16931 category G in the e-invoice."""

from decimal import Decimal

import pytest
from lxml import etree

from invoices.models import Invoice
from orders.services import order_mark_paid
from tests.einvoice import schematron_errors
from tests.invoices.conftest import CUSTOMER, embedded_xml, pdf_text, with_document

pytestmark = pytest.mark.django_db
D = Decimal
NS = {"ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"}
VIENNA = {**CUSTOMER, "postal_code": "1010", "city": "Wien", "country": "AT"}
ZURICH = {**CUSTOMER, "postal_code": "8001", "city": "Zürich", "country": "CH"}


@pytest.fixture(autouse=True)
def _ship_to(settings):
    settings.SHIP_TO_COUNTRIES = ["DE", "AT", "CH"]


def test_an_austrian_consumers_invoice_shows_20_and_10_percent_and_the_oss_note(place):
    order = order_mark_paid(order=place(customer=VIENNA, language="en"))
    invoice = Invoice.objects.get(order=order)
    assert [r["rate"] for r in invoice.rates] == ["10.00", "20.00"]
    assert invoice.total == order.total
    text = pdf_text(with_document(invoice).pdf)
    assert "20 %" in text and "10 %" in text and "19 %" not in text
    assert "VAT of the country of destination" in text and "Austria" in text


def test_a_swiss_customers_invoice_has_no_vat_and_names_the_export_exemption(place):
    order = order_mark_paid(order=place(customer=ZURICH))
    invoice = Invoice.objects.get(order=order)
    assert invoice.vat == D("0.00") and invoice.net == invoice.total == order.total
    assert "Steuerfreie Ausfuhrlieferung" in pdf_text(with_document(invoice).pdf)


def test_a_swiss_business_gets_an_e_invoice_of_category_g_with_its_reason(place):
    business = {**ZURICH, "company_name": "Kundin AG"}
    order = order_mark_paid(order=place(customer=business))
    xml = embedded_xml(with_document(Invoice.objects.get(order=order)).pdf)
    assert schematron_errors(xml) == []
    tree = etree.fromstring(xml)
    header_taxes = tree.findall(".//ram:ApplicableHeaderTradeSettlement/ram:ApplicableTradeTax", NS)
    assert [t.findtext("ram:CategoryCode", namespaces=NS) for t in header_taxes] == ["G"]
    assert header_taxes[0].findtext("ram:ExemptionReasonCode", namespaces=NS) == "VATEX-EU-G"
    assert D(header_taxes[0].findtext("ram:CalculatedAmount", namespaces=NS)) == D("0")


def test_an_austrian_business_e_invoice_carries_the_austrian_rates(place):
    business = {**VIENNA, "company_name": "Kundin GmbH"}
    order = order_mark_paid(order=place(customer=business))
    xml = embedded_xml(with_document(Invoice.objects.get(order=order)).pdf)
    assert schematron_errors(xml) == []
    rates = {
        D(t.findtext("ram:RateApplicablePercent", namespaces=NS))
        for t in etree.fromstring(xml).findall(".//ram:ApplicableTradeTax", NS)
    }
    assert rates == {D("10"), D("20")}
