"""The customer's documents behind the signed link of the invoice e-mail (and
of the order's confirmation page): a list, and each PDF to download."""

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from .models import Invoice
from .selectors import invoice_filename, order_documents, order_for_token
from .services import invoice_with_document


def pdf_response(invoice: Invoice, *, inline: bool = True) -> HttpResponse:
    invoice = invoice_with_document(invoice=invoice)
    response = HttpResponse(bytes(invoice.pdf), content_type="application/pdf")
    disposition = "inline" if inline else "attachment"
    response["Content-Disposition"] = (
        f'{disposition}; filename="{invoice_filename(invoice=invoice)}"'
    )
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex"
    return response


@require_GET
def documents(request, token):
    order = order_for_token(token=token)
    if order is None:
        raise Http404
    response = render(
        request,
        "invoices/documents.html",
        {"order": order, "documents": order_documents(order=order), "token": token},
    )
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex"
    return response


@require_GET
def document_pdf(request, token, number):
    order = order_for_token(token=token)
    invoice = Invoice.objects.filter(order=order, number=number).first() if order else None
    if invoice is None:
        raise Http404
    return pdf_response(invoice)
