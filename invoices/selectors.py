"""Reads of invoices: an order's documents, the customer's signed link to them."""

from django.core import signing
from django.urls import reverse

from orders.models import Order

from .models import Invoice

SALT = "invoices.order-documents"


def order_documents(*, order: Order) -> list[Invoice]:
    """The order's invoice and its corrections, in the order they were issued."""
    return list(
        Invoice.objects.filter(order=order)
        .select_related("corrects")
        .defer("pdf", "xml")
        .order_by("sequence")
    )


def order_documents_token(*, order: Order) -> str:
    return signing.dumps(order.pk, salt=SALT, compress=True)


def order_documents_url(*, order: Order) -> str:
    """The customer's link to the order's documents (no account, no expiry: an
    invoice must stay retrievable; the link is only in the customer's e-mail)."""
    return reverse("invoices:documents", kwargs={"token": order_documents_token(order=order)})


def order_for_token(*, token: str) -> Order | None:
    try:
        pk = signing.loads(token, salt=SALT)
    except signing.BadSignature:
        return None
    if not isinstance(pk, int):
        return None
    return Order.objects.filter(pk=pk).first()


def invoice_filename(*, invoice: Invoice) -> str:
    return f"{invoice.number}.pdf"
