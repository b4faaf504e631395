"""E-mails to the subscriber, in the language they subscribed in. Every one
carries the signed management link and the cancellation page. Sent after
commit, so a rolled-back change never mails."""

import logging
from datetime import date, datetime
from functools import partial

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from partners.links import site_url

from . import links
from .models import Subscription

logger = logging.getLogger(__name__)


def on_commit(function, *args) -> None:
    transaction.on_commit(partial(_safely, function, *args), robust=True)


def _safely(function, *args) -> None:
    # A mail server that is down must not undo or break the change itself.
    try:
        function(*args)
    except Exception:  # noqa: BLE001
        logger.exception("subscription e-mail %s failed", function.__name__)


def _send(subscription: Subscription, *, subject: str, template: str, **context) -> None:
    from . import selectors

    with translation.override(subscription.language or settings.LANGUAGE_CODE):
        context.update(
            {
                "subscription": subscription,
                "lines": list(subscription.lines.select_related("product")),
                "next_amount": selectors.subscription_amount_on(
                    subscription=subscription, on=subscription.next_date
                ),
                "manage_url": links.manage_url(subscription),
                "cancel_url": links.cancel_url(),
                "COMPANY_NAME": settings.COMPANY_NAME,
                "SITE_URL": site_url(),
            }
        )
        body = render_to_string(f"subscriptions/email/{template}.txt", context)
        subject = str(subject) % {"number": subscription.number, "company": settings.COMPANY_NAME}
    send_mail(subject, body, None, [subscription.email])


def _get(subscription_id: int) -> Subscription:
    return Subscription.objects.select_related("mandate").get(pk=subscription_id)


def subscription_confirmation_send(subscription_id: int) -> None:
    _send(
        _get(subscription_id),
        subject=_("Your subscription %(number)s at %(company)s"),
        template="confirmation",
    )


def prenotification_send(subscription_id: int, on: date) -> None:
    subscription = _get(subscription_id)
    from . import selectors

    _send(
        subscription,
        subject=_("Direct debit notice for your subscription %(number)s"),
        template="prenotification",
        debit_date=on,
        amount=selectors.subscription_amount_on(subscription=subscription, on=on),
    )


def price_notice_send(subscription_id: int) -> None:
    subscription = _get(subscription_id)
    _send(
        subscription,
        subject=_("Price change in your subscription %(number)s"),
        template="price_notice",
        changed=[line for line in subscription.lines.all() if line.new_unit_price is not None],
    )


def change_confirmation_send(subscription_id: int) -> None:
    _send(
        _get(subscription_id),
        subject=_("Your subscription %(number)s was changed"),
        template="changed",
    )


def cancellation_confirmation_send(subscription_id: int) -> None:
    subscription = _get(subscription_id)
    _send(
        subscription,
        subject=_("Cancellation of your subscription %(number)s confirmed"),
        template="cancelled",
        cancelled_at=timezone.localtime(subscription.cancelled_at),
    )


def cancellation_receipt_send(
    email: str, subscription_ids: list[int], number: str, at: str
) -> None:
    """The receipt of the cancellation page: what was cancelled, when (date and
    time); or that no running subscription matched."""
    cancelled_at = timezone.localtime(datetime.fromisoformat(at))
    subscriptions = list(Subscription.objects.filter(pk__in=subscription_ids).order_by("pk"))
    for subscription in subscriptions:
        subscription.manage_url = links.manage_url(subscription)
    language = subscriptions[0].language if subscriptions else translation.get_language()
    with translation.override(language or settings.LANGUAGE_CODE):
        body = render_to_string(
            "subscriptions/email/cancel_receipt.txt",
            {
                "subscriptions": subscriptions,
                "number": number,
                "cancelled_at": cancelled_at,
                "cancel_url": links.cancel_url(),
                "COMPANY_NAME": settings.COMPANY_NAME,
            },
        )
        subject = _("We received your cancellation (%(company)s)") % {
            "company": settings.COMPANY_NAME
        }
    send_mail(subject, body, None, [email])


def debit_returned_send(subscription_id: int, order_number: str, reason_code: str) -> None:
    _send(
        _get(subscription_id),
        subject=_("Your direct debit for subscription %(number)s was returned"),
        template="debit_returned",
        order_number=order_number,
        reason_code=reason_code,
    )
