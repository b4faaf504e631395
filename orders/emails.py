"""E-mails to customers about their orders, in the language they ordered in.

The confirmation goes through an outbox (OrderMail), written in the order's
transaction: placing an order never waits for the broker or the mail server."""

from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from partners.links import site_url

from .models import Order, OrderMail
from .payments import payment_instructions


def order_confirmation_email_send(*, order: Order) -> None:
    language = order.language or settings.LANGUAGE_CODE
    with translation.override(language):
        context = {
            "order": order,
            "lines": list(order.lines.all()),
            "COMPANY_NAME": settings.COMPANY_NAME,
            "SITE_URL": site_url(),
            "payment": payment_instructions(order=order),
        }
        subject = _("Your order %(number)s at %(company)s") % {
            "number": order.number,
            "company": settings.COMPANY_NAME,
        }
        text = render_to_string("orders/email/confirmation.txt", context)
        html = render_to_string("orders/email/confirmation.html", context)
    message = EmailMultiAlternatives(subject=subject, body=text, to=[order.email])
    message.attach_alternative(html, "text/html")
    message.send()


def order_confirmation_deliver(*, order_id: int) -> bool:
    """Send the order's confirmation if the outbox still owes it; True if sent now.

    The outbox row stays locked while the mail goes out, so the task after commit
    and the sweep never send it twice; a failed send leaves it unsent (the error
    propagates to the caller, which retries or leaves it to the sweep)."""
    with transaction.atomic():
        entry = (
            OrderMail.objects.select_for_update(skip_locked=True)
            .select_related("order")
            .filter(order_id=order_id, kind=OrderMail.Kind.CONFIRMATION, sent_at__isnull=True)
            .first()
        )
        if entry is None:
            return False
        order_confirmation_email_send(order=entry.order)
        entry.sent_at = timezone.now()
        entry.save(update_fields=["sent_at"])
    return True


def order_confirmations_due(*, min_age_seconds: int, limit: int = 500) -> list[int]:
    """Ids of orders whose confirmation is still owed and older than the given age
    (younger ones may still be on their way through the task)."""
    before = timezone.now() - timedelta(seconds=min_age_seconds)
    return list(
        OrderMail.objects.filter(
            kind=OrderMail.Kind.CONFIRMATION, sent_at__isnull=True, created_at__lte=before
        )
        .order_by("created_at")
        .values_list("order_id", flat=True)[:limit]
    )
