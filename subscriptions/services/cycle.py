"""The daily run: each due subscription's cycle order (placed by orders' own
writer), the pre-notifications before a debit, and the notices of a price
change; one subscription that fails does not stop the others.
"""

import logging
from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from orders.services import order_place_prepared

from .. import emails, payment
from ..dates import company_today, next_cycle_date
from ..models import Subscription, SubscriptionCycle, SubscriptionLine, SubscriptionRun
from ..selectors import cycle_draft
from .shared import S, _lock, prenotification_days, price_notice_days

logger = logging.getLogger(__name__)


def _advance(subscription: Subscription, *, after: date, today: date) -> None:
    """Next date after `after` on the schedule, past `today` (a run that was
    missed for days creates one order, not one per missed date)."""
    following = next_cycle_date(
        after, interval=subscription.interval, anchor_day=subscription.anchor_day
    )
    while following <= today:
        following = next_cycle_date(
            following, interval=subscription.interval, anchor_day=subscription.anchor_day
        )
    subscription.next_date = following


@transaction.atomic
def subscription_cycle_create(
    *, subscription: Subscription, today: date
) -> SubscriptionCycle | None:
    """Create the due cycle's order, exactly once: the subscription row is
    locked, the cycle row is unique per date, and a run that finds the date done
    (a retry, a second run) creates nothing. None when nothing was due."""
    subscription = _lock(subscription)
    if subscription.status != S.ACTIVE or subscription.next_date > today:
        return None
    cycle_date = subscription.next_date
    try:
        with transaction.atomic():
            cycle = SubscriptionCycle.objects.create(
                subscription=subscription,
                cycle_date=cycle_date,
                status=SubscriptionCycle.Status.ORDERED,
            )
    except IntegrityError:
        # Done before (the date was moved back onto it): move on, order nothing twice.
        _advance(subscription, after=cycle_date, today=today)
        subscription.save(update_fields=["next_date", "updated_at"])
        return None
    draft = cycle_draft(subscription=subscription, cycle_date=cycle_date)
    order = order_place_prepared(draft=draft, external_id=f"abo:{subscription.number}:{cycle_date}")
    # A run that was missed for days catches the cycle up today: the debit is
    # due from today, never on a day already past (a bank would refuse the date).
    payment.cycle_debit_schedule(
        order=order, mandate=subscription.mandate, due_date=max(cycle_date, today)
    )
    cycle.order = order
    cycle.qv = order.qv
    cycle.save(update_fields=["order", "qv"])
    # The line prices in force now become the agreed ones.
    for line in subscription.lines.all():
        if line.new_price_from is not None and line.new_price_from <= cycle_date:
            line.unit_price, line.new_unit_price, line.new_price_from = (
                line.new_unit_price,
                None,
                None,
            )
            line.save(update_fields=["unit_price", "new_unit_price", "new_price_from"])
    _advance(subscription, after=cycle_date, today=today)
    subscription.save(update_fields=["next_date", "updated_at"])
    return cycle


def subscription_prenotify(*, subscription: Subscription, today: date) -> bool:
    """Tell the customer amount and date of the next debit, once per date, when
    it is within the pre-notification period. True if a notice went out."""
    with transaction.atomic():
        subscription = _lock(subscription)
        if (
            subscription.status != S.ACTIVE
            or subscription.prenotified_for == subscription.next_date
        ):
            return False
        if subscription.next_date > today + timedelta(days=prenotification_days()):
            return False
        subscription.prenotified_for = subscription.next_date
        subscription.save(update_fields=["prenotified_for", "updated_at"])
        emails.on_commit(emails.prenotification_send, subscription.pk, subscription.next_date)
    return True


def subscription_prices_announce(*, today: date) -> int:
    """Compare every running line with the product's price: a cut applies at
    once, a rise is announced to the customer and applies to cycles from
    today + the notice period. Returns the number of notices sent."""
    notices = 0
    lines = (
        SubscriptionLine.objects.filter(subscription__status__in=[S.ACTIVE, S.PAUSED])
        .exclude(unit_price=F("product__price"))
        .select_related("product")
    )
    touched: dict[int, list[int]] = {}
    with transaction.atomic():
        for line in lines.select_for_update(of=("self",)).order_by("pk"):
            price = line.product.price
            if price < line.unit_price:
                line.unit_price, line.new_unit_price, line.new_price_from = price, None, None
            elif line.new_unit_price == price:
                continue  # announced already
            else:
                line.new_unit_price = price
                line.new_price_from = today + timedelta(days=price_notice_days())
                line.price_notice_sent_at = timezone.now()
                touched.setdefault(line.subscription_id, []).append(line.pk)
            line.save(
                update_fields=[
                    "unit_price",
                    "new_unit_price",
                    "new_price_from",
                    "price_notice_sent_at",
                ]
            )
        for subscription_id in touched:
            emails.on_commit(emails.price_notice_send, subscription_id)
            notices += 1
    return notices


def subscriptions_run(*, today: date | None = None) -> SubscriptionRun:
    """The daily run: price notices, the due cycles' orders, pre-notifications.
    Each subscription in its own transaction: one failure is recorded and the
    others go on. Safe to run twice or concurrently."""
    today = today or company_today()
    run = SubscriptionRun.objects.create(run_date=today)
    errors = []
    try:
        run.price_notices_sent = subscription_prices_announce(today=today)
    except Exception as exc:  # noqa: BLE001 - recorded for the admin, the run goes on
        logger.exception("subscription price notices failed")
        errors.append({"subscription": "", "error": str(exc)})
    due = Subscription.objects.filter(status=S.ACTIVE, next_date__lte=today).order_by("pk")
    for subscription in due:
        try:
            if subscription_cycle_create(subscription=subscription, today=today) is not None:
                run.orders_created += 1
        except Exception as exc:  # noqa: BLE001
            logger.exception("subscription %s: cycle failed", subscription.number)
            message = " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
            errors.append({"subscription": subscription.number, "error": message[:500]})
    horizon = today + timedelta(days=prenotification_days())
    upcoming = (
        Subscription.objects.filter(status=S.ACTIVE, next_date__lte=horizon)
        .exclude(prenotified_for=F("next_date"))
        .order_by("pk")
    )
    for subscription in upcoming:
        try:
            if subscription_prenotify(subscription=subscription, today=today):
                run.prenotifications_sent += 1
        except Exception as exc:  # noqa: BLE001
            logger.exception("subscription %s: pre-notification failed", subscription.number)
            errors.append({"subscription": subscription.number, "error": str(exc)[:500]})
    run.errors = errors
    run.failures = len(errors)
    run.finished_at = timezone.now()
    run.save()
    return run
