"""The e-mail that brings a document to the customer, in the order's language:
the payment confirmation with the invoice attached, or the correction of a
refund. Sent from the outbox (InvoiceMail), never twice."""

from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from partners.links import site_url

from .models import Invoice, InvoiceMail
from .selectors import invoice_filename, order_documents_url
from .services import invoice_with_document


def invoice_email_send(*, invoice: Invoice) -> None:
    order = invoice.order
    language = invoice.language or settings.LANGUAGE_CODE
    with translation.override(language):
        context = {
            "invoice": invoice,
            "order": order,
            "COMPANY_NAME": settings.COMPANY_NAME,
            "SITE_URL": site_url(),
            "documents_url": site_url() + order_documents_url(order=order),
        }
        if invoice.is_correction:
            subject = _("Refund for your order %(number)s: invoice correction %(invoice)s")
        else:
            subject = _("Payment received for your order %(number)s: invoice %(invoice)s")
        subject = subject % {"number": order.number, "invoice": invoice.number}
        text = render_to_string("invoices/email/document.txt", context)
        html = render_to_string("invoices/email/document.html", context)
    message = EmailMultiAlternatives(subject=subject, body=text, to=[order.email])
    message.attach_alternative(html, "text/html")
    pdf = bytes(invoice_with_document(invoice=invoice).pdf)
    message.attach(invoice_filename(invoice=invoice), pdf, "application/pdf")
    message.send()


def invoice_mail_deliver(*, invoice_id: int) -> bool:
    """Send the document's e-mail if the outbox still owes it; True if sent now.
    The outbox row stays locked while the mail goes out (the task and the sweep
    never send it twice); a failed send leaves it owed."""
    with transaction.atomic():
        entry = (
            InvoiceMail.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("invoice__order", "invoice__corrects")
            .filter(invoice_id=invoice_id, sent_at__isnull=True)
            .first()
        )
        if entry is None:
            return False
        invoice_email_send(invoice=entry.invoice)
        entry.sent_at = timezone.now()
        entry.save(update_fields=["sent_at"])
    return True


def invoice_mails_due(*, min_age_seconds: int, limit: int = 500) -> list[int]:
    before = timezone.now() - timedelta(seconds=min_age_seconds)
    return list(
        InvoiceMail.objects.filter(sent_at__isnull=True, created_at__lte=before)
        .order_by("created_at")
        .values_list("invoice_id", flat=True)[:limit]
    )
