"""The customer's shipping e-mail: one per parcel, with the carrier's tracking
link, in the language the customer ordered in. An outbox on the shipment
(mail_sent_at): sent by a task after commit, or by the sweep."""

from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from partners.links import site_url

from .models import Shipment


def shipment_email_send(*, shipment: Shipment) -> None:
    order = shipment.order
    language = order.language or settings.LANGUAGE_CODE
    with translation.override(language):
        context = {
            "order": order,
            "shipment": shipment,
            "lines": list(shipment.lines.select_related("order_line").order_by("pk")),
            "tracking_url": shipment.tracking_url(language),
            "complete": order.status == order.Status.SHIPPED,
            "COMPANY_NAME": settings.COMPANY_NAME,
            "SITE_URL": site_url(),
        }
        subject = _("Your order %(number)s is on its way") % {"number": order.number}
        body = render_to_string("fulfilment/email/shipped.txt", context)
    EmailMessage(subject=subject, body=body, to=[order.email]).send()


def shipment_mail_deliver(*, shipment_id: int) -> bool:
    """Send the parcel's e-mail if still owed; True if sent now. The row stays
    locked while the mail goes out, so task and sweep never send it twice."""
    with transaction.atomic():
        shipment = (
            Shipment.objects.select_for_update(skip_locked=True)
            .select_related("order")
            .filter(pk=shipment_id, mail_sent_at__isnull=True)
            .first()
        )
        if shipment is None:
            return False
        shipment_email_send(shipment=shipment)
        shipment.mail_sent_at = timezone.now()
        shipment.save(update_fields=["mail_sent_at"])
    return True


def shipment_mails_due(*, min_age_seconds: int, limit: int = 500) -> list[int]:
    before = timezone.now() - timedelta(seconds=min_age_seconds)
    return list(
        Shipment.objects.filter(mail_sent_at__isnull=True, created_at__lte=before)
        .order_by("created_at")
        .values_list("pk", flat=True)[:limit]
    )
