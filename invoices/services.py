"""Writes on invoices: issue an order's invoice, issue a refund's correction.

Both run inside the transaction that pays, ships or refunds the order (the
receivers call them in a savepoint), so a number is drawn only with the change
it documents and a rollback gives it back. Documents are never changed: a
refund gets a correction (its own number, referencing the invoice)."""

from __future__ import annotations

import hashlib
import logging
from datetime import timedelta
from functools import partial

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from orders.models import Order, Refund
from orders.validators import COUNTRIES

from .documents import (
    correction_content,
    invoice_content,
    invoice_pdf,
    rates_from_json,
    rates_to_json,
)
from .einvoice import invoice_xml, pdf_with_xml
from .models import Invoice, InvoiceCounter, InvoiceMail

logger = logging.getLogger(__name__)

ISSUE_ON_PAID = "paid"
ISSUE_ON_SHIPPED = "shipped"


def invoice_number_next(*, year: int) -> tuple[int, str]:
    """Draw the next number of the calendar year: RE-2026-000001. Call inside
    the transaction that saves the document: the counter row stays locked until
    it commits (concurrent payments queue here), and a rollback returns the number."""
    InvoiceCounter.objects.bulk_create([InvoiceCounter(year=year)], ignore_conflicts=True)
    counter = InvoiceCounter.objects.select_for_update().get(year=year)
    counter.last += 1
    counter.save(update_fields=["last"])
    return counter.last, f"RE-{year}-{counter.last:06d}"


def seller_snapshot() -> dict:
    return {
        "name": settings.COMPANY_NAME,
        "street": settings.COMPANY_STREET,
        "postal_code": settings.COMPANY_POSTAL_CODE,
        "city": settings.COMPANY_CITY,
        "country": settings.COMPANY_COUNTRY,
        "vat_id": settings.COMPANY_VAT_ID,
        "tax_number": settings.COMPANY_TAX_NUMBER,
    }


def buyer_snapshot(*, order: Order) -> dict:
    person = f"{order.first_name} {order.last_name}".strip()
    found = COUNTRIES.get(order.country)
    return {
        "name": order.company_name or person or order.email,
        "person": person if order.company_name else "",
        "street": order.street,
        "postal_code": order.postal_code,
        "city": order.city,
        "country": order.country or "DE",
        # Shown on the PDF for deliveries abroad (in the order's language then).
        "country_name": str(found[0]) if found and order.country != "DE" else "",
        "vat_id": order.vat_id,
        "email": order.email,
    }


def order_wants_invoice(*, order: Order) -> bool:
    """We invoice every order except an external shop's that invoices itself."""
    return not order.invoiced_by_shop


def _render(document: Invoice) -> None:
    # Everything the document shows comes from the row (snapshots drawn at issue),
    # so it comes out the same whenever it is made.
    pdf = invoice_pdf(document)
    if document.is_business:
        document.xml = invoice_xml(document)
        lang = "de-DE" if document.language == "de" else "en-GB"
        pdf = pdf_with_xml(pdf, document.xml, lang=lang)
    document.pdf = pdf
    document.pdf_sha256 = hashlib.sha256(pdf).hexdigest()


def _mail_after_commit(document: Invoice) -> None:
    InvoiceMail.objects.create(invoice=document)
    from .tasks import invoice_mail_enqueue

    transaction.on_commit(partial(invoice_mail_enqueue, document.pk), robust=True)


def invoice_mails_withdraw(*, order_ids) -> int:
    """Take the orders' document e-mails out of the outbox before they go, in the
    transaction that issued them: for invented customers (seed_demo), whose invoices
    are kept but who are owed no e-mail. The tasks queued for the commit then find
    nothing to send, and no PDF is drawn for them."""
    deleted, _ = InvoiceMail.objects.filter(
        invoice__order_id__in=order_ids, sent_at__isnull=True
    ).delete()
    return deleted


def _document(*, order: Order, kind: str, issue_date, content, **extra) -> Invoice:
    sequence, number = invoice_number_next(year=issue_date.year)
    document = Invoice(
        number=number,
        year=issue_date.year,
        sequence=sequence,
        kind=kind,
        order=order,
        issue_date=issue_date,
        delivery_date=(timezone.localdate(order.shipped_at) if order.shipped_at else issue_date),
        language=(order.language or settings.LANGUAGE_CODE)[:2],
        seller=seller_snapshot(),
        buyer=buyer_snapshot(order=order),
        lines=content.lines,
        rates=rates_to_json(content.rates),
        discount_percent=order.discount_percent,
        discount=content.discount,
        shipping=content.shipping,
        net=content.net,
        vat=content.vat,
        total=content.total,
        is_business=bool(order.company_name or order.vat_id),
        **extra,
    )
    document.save()
    _mail_after_commit(document)
    return document


def invoice_with_document(*, invoice: Invoice) -> Invoice:
    """The invoice with its PDF (and a business customer's XML), made once from
    the data drawn at issue, the first time it is needed (its e-mail, a
    download): the payment's transaction and the number counter's lock never
    wait for a PDF to be drawn (docs/decisions/0007)."""
    if invoice.pdf_sha256:
        return invoice
    with transaction.atomic():
        locked = (
            Invoice.objects.select_for_update(of=("self",))
            .select_related("order", "corrects")
            .get(pk=invoice.pk)
        )
        if not locked.pdf_sha256:
            _render(locked)
            locked.save(update_fields=["pdf", "xml", "pdf_sha256"])
    return locked


@transaction.atomic
def invoice_issue(*, order: Order, issue_date=None) -> Invoice:
    """Issue the order's invoice (once: a second call returns the first), then
    the corrections of refunds booked before it. The order must be paid."""
    order = Order.objects.select_for_update().get(pk=order.pk)
    existing = Invoice.objects.filter(order=order, kind=Invoice.Kind.INVOICE).first()
    if existing is not None:
        return existing
    if order.paid_at is None:
        raise ValidationError(
            _("Order %(number)s is not paid: it gets its invoice when it is.")
            % {"number": order.number}
        )
    if not order_wants_invoice(order=order):
        raise ValidationError(
            _("The shop invoices order %(number)s itself.") % {"number": order.number}
        )
    issue_date = issue_date or timezone.localdate()
    lines = list(order.lines.order_by("pk"))
    content = invoice_content(
        lines=lines, shipping=order.shipping, discount_percent=order.discount_percent
    )
    if content.total != order.total:
        logger.warning(
            "Invoice of order %s: lines add up to %s, the order says %s",
            order.number,
            content.total,
            order.total,
        )
    invoice = _document(
        order=order, kind=Invoice.Kind.INVOICE, issue_date=issue_date, content=content
    )
    for refund in Refund.objects.filter(order=order).order_by("refunded_at", "pk"):
        invoice_correction_issue(refund=refund, issue_date=issue_date)
    return invoice


@transaction.atomic
def invoice_correction_issue(*, refund: Refund, issue_date=None) -> Invoice | None:
    """Issue the correction of a refund (once), referencing the order's invoice.
    None when the order has no invoice (the shop invoices it, or it was refunded
    before the invoice was due: the invoice issues it afterwards)."""
    existing = Invoice.objects.filter(refund=refund).first()
    if existing is not None:
        return existing
    order = Order.objects.select_for_update().get(pk=refund.order_id)
    invoice = Invoice.objects.filter(order=order, kind=Invoice.Kind.INVOICE).first()
    if invoice is None:
        return None
    earlier = list(
        Invoice.objects.filter(corrects=invoice)
        .order_by("sequence")
        .values_list("rates", flat=True)
    )
    refunded = [
        (refund_line.order_line, refund_line.quantity)
        for refund_line in refund.lines.select_related("order_line").order_by("order_line_id")
    ]
    content = correction_content(
        refunded=refunded,
        amount=refund.amount,
        is_full=refund.is_full,
        discount_percent=order.discount_percent,
        invoice_rates=rates_from_json(invoice.rates),
        corrected_rates=[rates_from_json(rates) for rates in earlier],
    )
    return _document(
        order=order,
        kind=Invoice.Kind.CORRECTION,
        issue_date=issue_date or timezone.localdate(),
        content=content,
        refund=refund,
        corrects=invoice,
    )


def invoice_issue_on() -> str:
    """When an order gets its invoice: "paid" (default) or "shipped"."""
    return settings.INVOICE_ISSUE_ON


def invoice_issue_quietly(*, order: Order) -> Invoice | None:
    """From the order's hooks: issue in a savepoint so that a failing document
    never fails the payment or the shipping; the sweep issues what is missing."""
    if not order_wants_invoice(order=order):
        return None
    try:
        with transaction.atomic():
            return invoice_issue(order=order)
    except Exception:
        logger.exception("Could not issue the invoice of order %s; the sweep retries", order.pk)
        return None


def invoice_correction_issue_quietly(*, refund: Refund) -> Invoice | None:
    try:
        with transaction.atomic():
            return invoice_correction_issue(refund=refund)
    except Exception:
        logger.exception(
            "Could not issue the correction of refund %s; the sweep retries", refund.pk
        )
        return None


SWEEP_DAYS = 7


def invoices_issue_missing(*, limit: int = 200) -> int:
    """Issue the invoices and corrections the hooks could not (an error, a
    deployment in between): orders paid in the last SWEEP_DAYS that are due an
    invoice without one, and their refunds without a correction (older orders,
    e.g. imported history, are not invoiced afterwards). Returns how many."""
    since = timezone.now() - timedelta(days=SWEEP_DAYS)
    due = Order.objects.filter(paid_at__gte=since, invoiced_by_shop=False).exclude(
        invoices__kind=Invoice.Kind.INVOICE
    )
    if invoice_issue_on() == ISSUE_ON_SHIPPED:
        due = due.filter(shipped_at__isnull=False)
    else:
        due = due.exclude(status=Order.Status.CANCELLED)
    issued = 0
    for order in due.order_by("pk")[:limit]:
        if invoice_issue_quietly(order=order) is not None:
            issued += 1
    refunds = Refund.objects.filter(
        refunded_at__gte=since,
        order__invoices__kind=Invoice.Kind.INVOICE,
        invoice_correction__isnull=True,
    ).distinct()
    for refund in refunds.order_by("pk")[:limit]:
        if invoice_correction_issue_quietly(refund=refund) is not None:
            issued += 1
    return issued
