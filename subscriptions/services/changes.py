"""What the customer changes with the signed link: skip or move the next
delivery, change the products or the mandate, pause, resume.
"""

from collections.abc import Mapping
from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import emails, payment
from ..dates import company_today
from ..events import subscription_paused, subscription_resumed
from ..models import Subscription, SubscriptionCycle, SubscriptionLine
from .cycle import _advance
from .shared import S, _date_check, _lines_check, _lock


def _changeable(subscription: Subscription) -> None:
    if subscription.status == S.CANCELLED:
        raise ValidationError(_("This subscription has been cancelled."))


@transaction.atomic
def subscription_skip_next(
    *, subscription: Subscription, today: date | None = None
) -> Subscription:
    """Leave out the next delivery: its date is kept as skipped, the one after
    becomes next."""
    today = today or company_today()
    subscription = _lock(subscription)
    _changeable(subscription)
    skipped = subscription.next_date
    if SubscriptionCycle.objects.filter(subscription=subscription, cycle_date=skipped).exists():
        raise ValidationError(_("This delivery has been ordered already."))
    SubscriptionCycle.objects.create(
        subscription=subscription, cycle_date=skipped, status=SubscriptionCycle.Status.SKIPPED
    )
    _advance(subscription, after=skipped, today=today)
    subscription.save(update_fields=["next_date", "updated_at"])
    emails.on_commit(emails.change_confirmation_send, subscription.pk)
    return subscription


@transaction.atomic
def subscription_move_next(
    *, subscription: Subscription, new_date: date, today: date | None = None
) -> Subscription:
    """Move the next delivery to another day (from tomorrow on); the schedule
    after it keeps its day of month."""
    today = today or company_today()
    subscription = _lock(subscription)
    _changeable(subscription)
    errors = _date_check(value=new_date, today=today + timedelta(days=1), field="next_date")
    if errors:
        raise ValidationError(errors)
    if SubscriptionCycle.objects.filter(subscription=subscription, cycle_date=new_date).exists():
        raise ValidationError({"next_date": _("There was a delivery on this date already.")})
    subscription.next_date = new_date
    subscription.save(update_fields=["next_date", "updated_at"])
    emails.on_commit(emails.change_confirmation_send, subscription.pk)
    return subscription


@transaction.atomic
def subscription_lines_change(
    *, subscription: Subscription, quantities: Mapping[int, int]
) -> Subscription:
    """Set the quantity per product (0 removes it; a new product joins at its
    current price). At least one product stays."""
    subscription = _lock(subscription)
    _changeable(subscription)
    kept = {int(pid): qty for pid, qty in quantities.items() if qty}
    products, errors = _lines_check(kept)
    if errors:
        raise ValidationError(errors)
    current = {line.product_id: line for line in subscription.lines.all()}
    for pid, line in current.items():
        if pid not in kept:
            line.delete()
        elif line.quantity != kept[pid]:
            line.quantity = kept[pid]
            line.save(update_fields=["quantity"])
    for pid, quantity in kept.items():
        if pid not in current:
            SubscriptionLine.objects.create(
                subscription=subscription,
                product=products[pid],
                quantity=quantity,
                unit_price=products[pid].price,
            )
    if subscription.prenotified_for == subscription.next_date:
        subscription.prenotified_for = None  # the amount changed: tell it again
    subscription.save(update_fields=["prenotified_for", "updated_at"])
    emails.on_commit(emails.change_confirmation_send, subscription.pk)
    return subscription


@transaction.atomic
def subscription_mandate_change(
    *, subscription: Subscription, account_holder: str, iban: str, mandate_text: str, language: str
) -> Subscription:
    """New bank details: a new SEPA mandate with the text shown; debits not yet
    sent move to it and the old mandate is revoked. ValidationError keyed
    "iban" / "account_holder"; nothing changes then."""
    subscription = _lock(subscription)
    _changeable(subscription)
    old = subscription.mandate
    subscription.mandate = payment.mandate_give(
        customer=subscription.customer,
        account_holder=account_holder,
        iban=iban,
        text=mandate_text,
        language=language,
    )
    subscription.save(update_fields=["mandate", "updated_at"])
    payment.mandate_replace(old=old, new=subscription.mandate)
    emails.on_commit(emails.change_confirmation_send, subscription.pk)
    return subscription


@transaction.atomic
def subscription_pause(
    *, subscription: Subscription, reason: str = "", notify: bool = True
) -> Subscription:
    subscription = _lock(subscription)
    _changeable(subscription)
    if subscription.status == S.PAUSED:
        return subscription
    subscription.status = S.PAUSED
    subscription.paused_at = timezone.now()
    subscription.pause_reason = reason[:200]
    subscription.save(update_fields=["status", "paused_at", "pause_reason", "updated_at"])
    subscription_paused.send(sender=Subscription, subscription=subscription)
    if notify:
        emails.on_commit(emails.change_confirmation_send, subscription.pk)
    return subscription


@transaction.atomic
def subscription_resume(*, subscription: Subscription, today: date | None = None) -> Subscription:
    """Start again on the schedule's next date from tomorrow on (nothing missed
    while paused is ordered late). Returned debits are forgiven."""
    today = today or company_today()
    subscription = _lock(subscription)
    _changeable(subscription)
    if subscription.status == S.ACTIVE:
        return subscription
    if subscription.next_date <= today:
        _advance(subscription, after=subscription.next_date, today=today)
    subscription.status = S.ACTIVE
    subscription.paused_at = None
    subscription.pause_reason = ""
    subscription.failure_count = 0
    subscription.save(
        update_fields=[
            "status",
            "paused_at",
            "pause_reason",
            "failure_count",
            "next_date",
            "updated_at",
        ]
    )
    subscription_resumed.send(sender=Subscription, subscription=subscription)
    emails.on_commit(emails.change_confirmation_send, subscription.pk)
    return subscription
