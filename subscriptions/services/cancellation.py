"""Cancelling (§312k BGB): by the holder or the company, taken back until the
next delivery, the cancellation page's requests by e-mail, and every
subscription of a customer whose data is erased.
"""

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from orders.models import Customer

from .. import emails
from ..dates import company_today
from ..events import subscription_cancelled, subscription_resumed
from ..models import Subscription
from .shared import S, _lock


@transaction.atomic
def subscription_cancel(
    *,
    subscription: Subscription,
    reason: str = "",
    at=None,
    notify: bool = True,
    by_holder: bool = False,
) -> Subscription:
    """Cancel now: no further order is created. Orders already created go their
    way. The confirmation e-mail (with date and time) goes out at once. The
    holder's own cancellation can be taken back from their signed link until the
    day before the next delivery it stops (subscription_cancel_take_back)."""
    subscription = _lock(subscription)
    if subscription.status == S.CANCELLED:
        return subscription
    subscription.status = S.CANCELLED
    subscription.cancelled_at = at or timezone.now()
    subscription.cancel_reason = reason[:200]
    subscription.revocable_until = subscription.next_date if by_holder else None
    subscription.save(
        update_fields=["status", "cancelled_at", "cancel_reason", "revocable_until", "updated_at"]
    )
    subscription_cancelled.send(sender=Subscription, subscription=subscription)
    if notify:
        emails.on_commit(emails.cancellation_confirmation_send, subscription.pk)
    return subscription


def subscription_can_take_back(*, subscription: Subscription, today: date | None = None) -> bool:
    """May the holder still take their cancellation back (before it takes effect)?"""
    today = today or company_today()
    return (
        subscription.status == S.CANCELLED
        and subscription.revocable_until is not None
        and today < subscription.revocable_until
    )


@transaction.atomic
def subscription_cancel_take_back(
    *, subscription: Subscription, today: date | None = None
) -> Subscription:
    """The holder takes their cancellation back from the signed link, before the
    next delivery it would stop: the subscription runs on as before."""
    subscription = _lock(subscription)
    if not subscription_can_take_back(subscription=subscription, today=today):
        raise ValidationError(
            _("This cancellation has taken effect and can no longer be taken back.")
        )
    subscription.status = S.ACTIVE
    subscription.cancelled_at = None
    subscription.cancel_reason = ""
    subscription.revocable_until = None
    subscription.save(
        update_fields=["status", "cancelled_at", "cancel_reason", "revocable_until", "updated_at"]
    )
    subscription_resumed.send(sender=Subscription, subscription=subscription)
    emails.on_commit(emails.change_confirmation_send, subscription.pk)
    return subscription


@transaction.atomic
def subscriptions_cancel_by_customer(
    *,
    email: str,
    number: str = "",
    last_name: str = "",
    reason: str = "",
    may_mail_unknown: bool = True,
) -> list[Subscription]:
    """The cancellation page (§312k BGB, which lets us ask for what identifies
    the consumer and the contract): the e-mail address together with the
    subscription number, or with the holder's last name (then every running
    subscription of that holder and address ends). What was cancelled is
    confirmed to the address on file. When nothing matched, a receipt saying so
    goes to the address typed in, unless `may_mail_unknown` is False (the page's
    limits were passed); the page itself answers the same either way."""
    from partners.models import normalize_email

    email = normalize_email(email)
    number = (number or "").strip().upper()
    last_name = " ".join((last_name or "").split())
    found = Subscription.objects.filter(email__iexact=email).exclude(status=S.CANCELLED)
    if number:
        found = found.filter(number=number)
    elif last_name:
        found = found.filter(last_name__iexact=last_name)
    else:
        found = found.none()
    at = timezone.now()
    cancelled = [
        subscription_cancel(
            subscription=subscription, reason=reason, at=at, notify=False, by_holder=True
        )
        for subscription in found.order_by("pk")
    ]
    by_address: dict[str, list[int]] = {}
    for subscription in cancelled:
        by_address.setdefault(subscription.email, []).append(subscription.pk)
    for address, ids in by_address.items():
        emails.on_commit(emails.cancellation_receipt_send, address, ids, number, at.isoformat())
    if not cancelled and may_mail_unknown:
        emails.on_commit(emails.cancellation_receipt_send, email, [], number, at.isoformat())
    return cancelled


def subscriptions_cancel_for_erasure(*, customer: Customer) -> int:
    """An erased customer's subscriptions end (no e-mail: the address is going)."""
    count = 0
    for subscription in customer.subscriptions.exclude(status=S.CANCELLED).order_by("pk"):
        subscription_cancel(subscription=subscription, reason="erasure", notify=False)
        count += 1
    return count
