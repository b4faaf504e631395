"""E-mails of the payouts app."""

from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from orders.models import Order
from partners.links import site_url

from .models import DEBIT_RETURN_REASONS, DebitNotice, OrderDebit, PayoutProfile


def iban_changed_email_send(*, profile: PayoutProfile) -> None:
    with translation.override(settings.LANGUAGE_CODE):
        context = {
            "partner": profile.partner,
            "iban_masked": profile.iban_masked,
            "changed_at": profile.iban_changed_at,
            "hold_until": profile.hold_until,
            "COMPANY_NAME": settings.COMPANY_NAME,
            "SITE_URL": site_url(),
        }
        subject = _("Your bank details at %(company)s were changed") % {
            "company": settings.COMPANY_NAME
        }
        body = render_to_string("payouts/email/iban_changed.txt", context)
    EmailMessage(subject=subject, body=body, to=[profile.partner.user.email]).send()


def debit_returned_email_send(*, debit: OrderDebit) -> None:
    """Tell the customer their bank returned the debit, why, and what now."""
    order = debit.order
    with translation.override(order.language or debit.mandate.language or settings.LANGUAGE_CODE):
        context = {
            "order": order,
            "debit": debit,
            "reason": DEBIT_RETURN_REASONS.get(debit.return_reason, debit.return_reason),
            "refunded": order.status == Order.Status.REFUNDED,
            "COMPANY_NAME": settings.COMPANY_NAME,
            "SITE_URL": site_url(),
        }
        subject = _("Your direct debit for order %(number)s was returned") % {
            "number": order.number
        }
        body = render_to_string("payouts/email/debit_returned.txt", context)
    EmailMessage(subject=subject, body=body, to=[order.email]).send()


def debit_notice_deliver(*, debit_id: int) -> bool:
    """Send the notice the outbox still owes for this debit; True if sent now.
    The row stays locked while the mail goes out, so task and sweep never send
    it twice; a failed send leaves it unsent (the caller retries)."""
    with transaction.atomic():
        notice = (
            DebitNotice.objects.select_for_update(skip_locked=True)
            .select_related("order_debit__order", "order_debit__mandate")
            .filter(order_debit_id=debit_id, sent_at__isnull=True)
            .first()
        )
        if notice is None:
            return False
        debit_returned_email_send(debit=notice.order_debit)
        notice.sent_at = timezone.now()
        notice.save(update_fields=["sent_at"])
    return True


def debit_notices_due(*, min_age_seconds: int, limit: int = 500) -> list[int]:
    before = timezone.now() - timedelta(seconds=min_age_seconds)
    return list(
        DebitNotice.objects.filter(sent_at__isnull=True, created_at__lte=before)
        .order_by("created_at")
        .values_list("order_debit_id", flat=True)[:limit]
    )
