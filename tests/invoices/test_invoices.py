"""Customer invoices: issued at payment with a gapless number, every field of
§14 Abs. 4 UStG on the PDF in the order's language, an EN 16931 e-invoice for
business customers, never edited (a refund issues a correction)."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from drafthorse.utils import validate_xml
from lxml import etree

from invoices.models import Invoice
from invoices.services import invoice_issue, invoice_mails_withdraw, invoices_issue_missing
from invoices.tasks import invoices_sweep
from orders.services import order_mark_paid, order_refund, order_ship
from tests.einvoice import schematron_errors
from tests.invoices.conftest import BUSINESS, embedded_xml, pdf_text, with_document

pytestmark = pytest.mark.django_db
D = Decimal
NS = {
    "rsm": "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100",
    "ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100",
}


def year_number(n: int) -> str:
    from django.utils import timezone

    return f"RE-{timezone.localdate().year}-{n:06d}"


def test_paying_an_order_issues_its_invoice_with_the_next_number_of_the_year(place):
    first, second = place(), place()
    assert not Invoice.objects.exists()  # placed is not paid

    order_mark_paid(order=second)
    order_mark_paid(order=first)

    assert Invoice.objects.get(order=second).number == year_number(1)
    assert Invoice.objects.get(order=first).number == year_number(2)
    assert invoice_issue(order=first).number == year_number(2)  # once per order
    assert Invoice.objects.count() == 2


def test_the_invoice_adds_up_to_the_order_with_vat_per_rate(place):
    order = order_mark_paid(order=place())  # 2 x 12.50 (19 %), 1 x 8.99 (7 %), 4.90 shipping

    invoice = Invoice.objects.get(order=order)

    assert invoice.total == order.total == D("38.89")
    assert invoice.vat == order.vat_total
    assert invoice.net + invoice.vat == invoice.total
    by_rate = {row["rate"]: row for row in invoice.rates}
    assert set(by_rate) == {"7.00", "19.00"}
    assert sum(D(row["shipping"]) for row in invoice.rates) == D("4.90")


def test_the_german_pdf_holds_every_field_the_vat_act_requires(place, anna, code_benefit):
    order = order_mark_paid(order=place(customer=BUSINESS, code="anna"))
    invoice = Invoice.objects.get(order=order)

    text = pdf_text(with_document(invoice).pdf)

    # §14 Abs. 4 Nr. 1: seller and buyer, names and addresses
    for field in ("Lumen Naturkosmetik", "Musterstraße 1", "80331 München"):
        assert field in text
    for field in ("Kundin Kosmetik GmbH", "Karla Kundin", "Lindenweg 5", "10115 Berlin"):
        assert field in text
    # Nr. 2: the seller's VAT id (and the business customer's)
    assert "USt-IdNr.: DE136695976" in text
    assert "USt-IdNr.: DE129273398" in text
    # Nr. 3 and 4: invoice date and the unique number
    assert f"Rechnung Nr. {invoice.number}" in text
    assert f"Rechnungsdatum: {invoice.issue_date:%d.%m.%Y}" in text
    # Nr. 6: the delivery date
    assert f"Lieferdatum: {invoice.delivery_date:%d.%m.%Y}" in text
    # Nr. 5: quantity and kind of the goods
    assert "2 Seife Lavendel" in text and "1 Kräutertee" in text
    # Nr. 7 and 8: net per rate, the rate, the VAT per rate; the reduction agreed
    # beforehand (the partner code discount) shown
    assert "Rabatt durch Partnercode (10 %) −3,40 €" in text
    for row in invoice.rates:
        rate = row["rate"].replace(".00", "")
        net, vat = (D(row[k]) for k in ("net", "vat"))
        assert f"{rate} % {str(net).replace('.', ',')} € {str(vat).replace('.', ',')} €" in text
    assert "Bestellnummer: " + order.number in text


def test_an_english_order_gets_its_invoice_in_english(place):
    order = order_mark_paid(order=place(language="en"))
    invoice = Invoice.objects.get(order=order)

    text = pdf_text(with_document(invoice).pdf)

    assert f"Invoice no. {invoice.number}" in text
    assert "Delivery date:" in text and "VAT per rate" in text
    assert "€25.00" in text  # 2 x 12.50
    assert "Rechnung" not in text


def test_a_business_customer_gets_an_en16931_e_invoice_in_the_pdf(place, anna, code_benefit):
    order = order_mark_paid(order=place(customer=BUSINESS, code="anna"))
    invoice = Invoice.objects.get(order=order)

    xml = embedded_xml(with_document(invoice).pdf)

    assert xml == bytes(with_document(invoice).xml)
    validate_xml(xmlout=xml, schema="FACTUR-X_EN16931")  # the XSD (CII D16B)
    assert schematron_errors(xml) == []  # the CEN business rules
    tree = etree.fromstring(xml)
    assert tree.findtext(".//rsm:ExchangedDocument/ram:TypeCode", namespaces=NS) == "380"
    assert tree.findtext(".//rsm:ExchangedDocument/ram:ID", namespaces=NS) == invoice.number
    grand = tree.findtext(".//ram:GrandTotalAmount", namespaces=NS)
    assert D(grand) == order.total
    buyer = tree.find(".//ram:BuyerTradeParty", namespaces=NS)
    assert buyer.findtext("ram:Name", namespaces=NS) == "Kundin Kosmetik GmbH"


def test_a_consumer_invoice_carries_no_e_invoice(place):
    order = order_mark_paid(order=place())
    invoice = Invoice.objects.get(order=order)

    assert not invoice.is_business and not bytes(with_document(invoice).xml)
    assert embedded_xml(with_document(invoice).pdf) is None


def test_a_refund_issues_a_correction_referencing_the_invoice(place):
    order = order_mark_paid(order=place(customer=BUSINESS))
    invoice = Invoice.objects.get(order=order)
    soap_line = order.lines.get(name="Seife Lavendel")

    refund = order_refund(order=order, quantities={soap_line.pk: 1}, reason="Widerruf")

    correction = Invoice.objects.get(refund=refund)
    assert correction.kind == Invoice.Kind.CORRECTION and correction.corrects == invoice
    assert correction.number == year_number(2)
    assert correction.total == refund.amount == D("12.50")
    text = pdf_text(with_document(correction).pdf)
    assert f"Rechnungskorrektur Nr. {correction.number}" in text
    assert f"Rechnung Nr. {invoice.number}" in text
    xml = bytes(with_document(correction).xml)
    validate_xml(xmlout=xml, schema="FACTUR-X_EN16931")
    assert schematron_errors(xml) == []
    tree = etree.fromstring(xml)
    assert tree.findtext(".//rsm:ExchangedDocument/ram:TypeCode", namespaces=NS) == "381"
    reference = tree.find(".//ram:InvoiceReferencedDocument", namespaces=NS)
    assert reference.findtext("ram:IssuerAssignedID", namespaces=NS) == invoice.number  # BT-25
    invoice.refresh_from_db()
    assert invoice.total == order.total  # the invoice itself is never changed


def test_the_corrections_of_all_refunds_add_up_to_the_invoice(place, anna, code_benefit):
    order = order_mark_paid(order=place(code="anna", soaps=3, teas=2))
    lines = {line.name: line for line in order.lines.all()}
    first = order_refund(order=order, quantities={lines["Seife Lavendel"].pk: 1})
    second = order_refund(order=order, quantities={lines["Kräutertee"].pk: 1})
    last = order_refund(order=order)  # the rest, with the shipping

    invoice = Invoice.objects.get(order=order, kind=Invoice.Kind.INVOICE)
    corrections = [Invoice.objects.get(refund=r) for r in (first, second, last)]
    assert [c.total for c in corrections] == [first.amount, second.amount, last.amount]
    assert sum(c.total for c in corrections) == invoice.total
    assert sum(c.vat for c in corrections) == invoice.vat
    assert sum(c.discount for c in corrections) == invoice.discount


def test_the_payment_e_mail_brings_the_invoice_as_attachment(place, committed, mailoutbox):
    order = place()
    mailoutbox.clear()  # the order confirmation

    with committed():
        order_mark_paid(order=order)

    invoice = Invoice.objects.get(order=order)
    [mail] = mailoutbox
    assert mail.to == [order.email]
    assert invoice.number in mail.subject and order.number in mail.subject
    [(name, content, mimetype)] = mail.attachments
    assert (name, mimetype) == (f"{invoice.number}.pdf", "application/pdf")
    assert content == bytes(with_document(invoice).pdf)
    assert "/order/invoices/" in mail.body
    assert invoice.mail.sent_at is not None


def test_a_refund_mails_the_correction(place, committed, mailoutbox):
    order = order_mark_paid(order=place(language="en"))
    mailoutbox.clear()

    with committed():
        refund = order_refund(order=order)

    correction = Invoice.objects.get(refund=refund)
    [mail] = mailoutbox
    assert mail.subject.startswith("Refund for your order")
    assert mail.attachments[0][0] == f"{correction.number}.pdf"


def test_invoicing_at_shipping_when_the_setting_says_so(place, settings):
    settings.INVOICE_ISSUE_ON = "shipped"
    order = order_mark_paid(order=place())
    assert not Invoice.objects.exists()

    order_ship(order=order)

    invoice = Invoice.objects.get(order=order)
    assert invoice.delivery_date == invoice.issue_date


def test_an_unpaid_order_gets_no_invoice(place):
    with pytest.raises(ValidationError, match="not paid"):
        invoice_issue(order=place())


def test_a_failing_issue_never_fails_the_payment_and_the_sweep_issues_it(place, monkeypatch):
    import invoices.services as services

    def broken(**kwargs):
        raise RuntimeError("database hiccup")

    monkeypatch.setattr(services, "invoice_content", broken)
    order = order_mark_paid(order=place())
    order.refresh_from_db()
    assert order.status == "paid" and not Invoice.objects.exists()

    monkeypatch.undo()
    assert invoices_issue_missing() == 1
    assert Invoice.objects.get(order=order).number == year_number(1)  # no gap


def test_the_payment_never_waits_for_the_pdf_and_a_failing_pdf_leaves_the_mail_to_the_sweep(
    place, committed, mailoutbox, monkeypatch
):
    import invoices.services as services

    def broken(document):
        raise RuntimeError("font missing")

    monkeypatch.setattr(services, "invoice_pdf", broken)
    order = place()
    mailoutbox.clear()  # the order confirmation
    with committed():
        order_mark_paid(order=order)

    invoice = Invoice.objects.get(order=order)
    assert invoice.number == year_number(1) and not invoice.pdf_sha256
    assert mailoutbox == [] and invoice.mail.sent_at is None  # owed, not lost

    monkeypatch.undo()
    assert invoices_sweep(min_age_seconds=0) == {"issued": 0, "sent": 1}
    [mail] = mailoutbox
    invoice.refresh_from_db()
    assert mail.attachments[0][1] == bytes(invoice.pdf) and invoice.pdf_sha256
    assert invoices_sweep(min_age_seconds=0) == {"issued": 0, "sent": 0}  # sent once


def test_withdrawn_e_mails_of_invented_customers_go_out_never_and_draw_no_pdf(
    place, committed, mailoutbox
):
    real, invented = place(), place()
    mailoutbox.clear()  # the order confirmations
    with committed():
        order_mark_paid(order=real)
        order_mark_paid(order=invented)
        order_refund(order=invented)
        assert invoice_mails_withdraw(order_ids=[invented.pk]) == 2  # invoice and correction

    # the real customer's invoice went out; the invented one's invoice and correction stand
    [mail] = mailoutbox
    assert mail.to == [real.email] and Invoice.objects.get(order=real).mail.sent_at
    kept = Invoice.objects.filter(order=invented)
    assert kept.count() == 2 and not kept.exclude(pdf_sha256="").exists()
    assert invoices_sweep(min_age_seconds=0) == {"issued": 0, "sent": 0}
    assert invoice_mails_withdraw(order_ids=[real.pk]) == 0  # a sent e-mail stays on record
