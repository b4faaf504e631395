"""Where customers and admins find the documents: the business fields at
checkout, the signed link of the e-mail, the confirmation page, the admin."""

from decimal import Decimal

import pytest

from invoices.models import Invoice
from invoices.selectors import order_documents_url
from orders.services import order_mark_paid, order_refund
from tests.invoices.conftest import with_document
from tests.orders.helpers import CHECKOUT_FORM, checkout, staff_client

pytestmark = pytest.mark.django_db
D = Decimal


def test_a_business_gives_company_and_vat_id_at_checkout(client, soap):
    order = checkout(client, soap, company_name="Kundin GmbH", vat_id="de 129 273 398")

    assert (order.company_name, order.vat_id) == ("Kundin GmbH", "DE129273398")
    order_mark_paid(order=order)
    assert Invoice.objects.get(order=order).is_business


def test_a_wrong_vat_id_is_refused_at_its_field(client, soap):
    client.post("/cart/add/", {"product": soap.pk})

    response = client.post("/checkout/", {**CHECKOUT_FORM, "vat_id": "DE123"})

    assert response.status_code == 400
    assert "This is not a valid VAT id" in response.content.decode()


def test_the_signed_link_lists_and_downloads_the_order_documents(client, place):
    order = order_mark_paid(order=place())
    refund = order_refund(order=order)
    invoice = Invoice.objects.get(order=order, kind="invoice")
    correction = Invoice.objects.get(refund=refund)
    url = order_documents_url(order=order)

    page = client.get(url)

    assert page.status_code == 200 and page["Cache-Control"] == "private, no-store"
    text = page.content.decode()
    assert invoice.number in text and correction.number in text
    pdf = client.get(f"{url}{invoice.number}.pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.content == bytes(with_document(invoice).pdf)


def test_a_forged_link_or_another_orders_document_is_not_found(client, place):
    mine, other = order_mark_paid(order=place()), order_mark_paid(order=place())
    url = order_documents_url(order=mine)
    others = Invoice.objects.get(order=other)

    assert client.get(url[:-3] + "xx/").status_code == 404
    assert client.get("/order/invoices/12/").status_code == 404
    assert client.get(f"{url}{others.number}.pdf").status_code == 404


def test_the_confirmation_page_offers_the_invoice_once_paid(client, soap):
    order = checkout(client, soap)
    page = client.get(f"/order/{order.number}/").content.decode()
    assert "RE-" not in page

    order_mark_paid(order=order)

    invoice = Invoice.objects.get(order=order)
    page = client.get(f"/order/{order.number}/").content.decode()
    assert f"{order_documents_url(order=order)}{invoice.number}.pdf" in page


def test_an_admin_downloads_pdf_and_e_invoice_and_cannot_change_them(client, place):
    from tests.invoices.conftest import BUSINESS

    order = order_mark_paid(order=place(customer=BUSINESS))
    invoice = Invoice.objects.get(order=order)
    support = staff_client(client, "invoices.view_invoice")

    listing = support.get("/admin/invoices/invoice/?q=" + order.number)
    assert listing.status_code == 200 and invoice.number in listing.content.decode()
    pdf = support.get(f"/admin/invoices/invoice/file/{invoice.number}.pdf")
    assert pdf.content == bytes(with_document(invoice).pdf)
    assert "attachment" in pdf["Content-Disposition"]
    xml = support.get(f"/admin/invoices/invoice/file/{invoice.number}.xml")
    assert xml.content == bytes(with_document(invoice).xml)
    change = support.post(f"/admin/invoices/invoice/{invoice.pk}/change/", {"total": "1.00"})
    invoice.refresh_from_db()
    assert invoice.total == order.total and change.status_code in (200, 403)
    assert support.get(f"/admin/invoices/invoice/{invoice.pk}/delete/").status_code == 403


def test_an_admin_without_the_permission_gets_no_file(client, place):
    order = order_mark_paid(order=place())
    invoice = Invoice.objects.get(order=order)
    nobody = staff_client(client)

    assert nobody.get(f"/admin/invoices/invoice/file/{invoice.number}.pdf").status_code in (
        403,
        404,
    )
