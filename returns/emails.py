"""E-mails to customers about withdrawals and returns, in the language of the
order (or of the form, for a declaration that matched nothing). Sent after the
change committed; a mail server that is down never undoes the change (the
admin sees a withdrawal without acknowledgement and can send it again)."""

import logging
from functools import partial

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from orders.models import Refund
from partners.links import site_url

from .models import Return, Withdrawal

logger = logging.getLogger(__name__)


def on_commit(function, *args) -> None:
    transaction.on_commit(partial(_safely, function, *args), robust=True)


def _safely(function, *args) -> None:
    try:
        function(*args)
    except Exception:  # noqa: BLE001
        logger.exception("returns e-mail %s failed", function.__name__)


def _company() -> dict:
    return {
        "COMPANY_NAME": settings.COMPANY_NAME,
        "SITE_URL": site_url(),
        "return_address": [
            settings.COMPANY_NAME,
            settings.COMPANY_STREET,
            f"{settings.COMPANY_POSTAL_CODE} {settings.COMPANY_CITY}",
        ],
    }


def acknowledgement_send(*, withdrawal: Withdrawal, language: str = "") -> None:
    """The acknowledgement on a durable medium: what was declared, when (date and
    time), and what happens now."""
    contract_language = (
        withdrawal.order.language
        if withdrawal.order_id
        else (withdrawal.subscription.language if withdrawal.subscription_id else "")
    )
    with translation.override(contract_language or language or settings.LANGUAGE_CODE):
        returns = list(
            withdrawal.returns.select_related("order")
            .prefetch_related("lines__order_line")
            .order_by("pk")
        )
        context = {
            **_company(),
            "withdrawal": withdrawal,
            "declared_at": timezone.localtime(withdrawal.declared_at),
            "returns": returns,
            "to_send": [ret for ret in returns if ret.order.shipped_at],
        }
        subject = _("Your withdrawal of %(date)s at %(company)s") % {
            "date": timezone.localtime(withdrawal.declared_at).strftime("%d.%m.%Y %H:%M"),
            "company": settings.COMPANY_NAME,
        }
        body = render_to_string("returns/email/acknowledgement.txt", context)
    EmailMessage(subject=subject, body=body, to=[withdrawal.email]).send()


def acknowledgement_deliver(withdrawal_id: int, language: str = "") -> bool:
    """Send the acknowledgement and note when; True if sent. A failed send is
    logged and leaves the withdrawal unacknowledged (admin: send again)."""
    withdrawal = (
        Withdrawal.objects.select_related("order", "subscription").filter(pk=withdrawal_id).first()
    )
    if withdrawal is None:
        return False
    try:
        acknowledgement_send(withdrawal=withdrawal, language=language)
    except Exception:  # noqa: BLE001 - the declaration stands; the admin sees it unacknowledged
        logger.exception("withdrawal acknowledgement %s failed", withdrawal_id)
        return False
    Withdrawal.objects.filter(pk=withdrawal_id).update(acknowledged_at=timezone.now())
    return True


def return_received_send(return_id: int, refund_id: int) -> None:
    ret = Return.objects.select_related("order").get(pk=return_id)
    refund = Refund.objects.prefetch_related("lines__order_line").get(pk=refund_id)
    order = ret.order
    with translation.override(order.language or settings.LANGUAGE_CODE):
        context = {
            **_company(),
            "ret": ret,
            "order": order,
            "refund": refund,
            "lines": list(refund.lines.all()),
            "expected": [
                line for line in ret.lines.select_related("order_line") if line.outstanding
            ],
        }
        subject = _("Your return of order %(number)s has arrived") % {"number": order.number}
        body = render_to_string("returns/email/received.txt", context)
    EmailMessage(subject=subject, body=body, to=[order.email]).send()
