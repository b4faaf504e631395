"""Writes on subscriptions: subscribe, the daily run (cycle orders, price
notices, pre-notifications), what the customer does with the signed link
(skip, move, change, pause, resume, cancel), returned debits.

A cycle's order is an ordinary order written by orders' own writer
(orders.services.order_place_prepared), so it goes pending -> paid -> shipped and
books its QV/CV like any other. Attribution is decided once, at subscribing, by
orders.attribution.attribution_resolve (lifetime binding applies).
"""

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from orders.attribution import (
    Referral,
    attribution_resolve,
    order_binds_customer,
    partner_code_check,
)
from orders.cart import quantity_problem
from orders.models import Customer, Order, Product
from orders.pricing import totals_for
from orders.services import customer_bind, customer_get_or_create, order_place_prepared
from orders.validators import customer_data_clean

from . import emails, payment
from .dates import INTERVALS, company_today, next_cycle_date
from .events import (
    subscription_cancelled,
    subscription_paused,
    subscription_resumed,
    subscription_started,
)
from .models import (
    Subscription,
    SubscriptionCycle,
    SubscriptionLine,
    SubscriptionRun,
    SubscriptionTerms,
)
from .pricing import subscriber_unit_price
from .selectors import cycle_draft

logger = logging.getLogger(__name__)

S = Subscription.Status
# How far ahead a customer may put the first or a moved date.
MAX_DAYS_AHEAD = 92
# Returned debits after which the subscription pauses (the customer is told).
FAILURES_BEFORE_PAUSE = 2


def subscription_terms() -> SubscriptionTerms:
    """The terms an admin set, or the defaults (not saved: a visitor who only
    looks at a product writes nothing)."""
    terms = SubscriptionTerms.objects.order_by("pk").first()
    return terms if terms is not None else SubscriptionTerms()


def prenotification_days() -> int:
    """The pre-notification period, the one the mandate text states."""
    return int(settings.SEPA_PRENOTIFICATION_DAYS)


def price_notice_days() -> int:
    return int(settings.SUBSCRIPTION_PRICE_NOTICE_DAYS)


def _lock(subscription: Subscription) -> Subscription:
    return Subscription.objects.select_for_update().get(pk=subscription.pk)


def _lines_check(lines: Mapping[int, int]) -> tuple[dict[int, Product], dict[str, str]]:
    errors: dict[str, str] = {}
    if not lines:
        return {}, {"lines": _("Please choose at least one product.")}
    # An id no database column can hold is simply no product.
    products = Product.objects.in_bulk([int(pid) for pid in lines if 0 < int(pid) < 2**31])
    for pid, quantity in lines.items():
        product = products.get(int(pid))
        if product is None or not product.is_active:
            errors[f"line_{pid}"] = _("This product is no longer available.")
            continue
        problem = quantity_problem(quantity)
        if problem:
            errors[f"line_{pid}"] = f"{product.name}: {problem}"
    if errors:
        errors["lines"] = _("Please check the marked products.")
    return products, errors


def _date_check(*, value, today: date, field: str) -> dict[str, str]:
    if not isinstance(value, date):
        return {field: _("Please enter a date.")}
    if value < today:
        return {field: _("The date cannot be in the past.")}
    if value > today + timedelta(days=MAX_DAYS_AHEAD):
        return {
            field: _("Please choose a date within the next %(days)d days.")
            % {"days": MAX_DAYS_AHEAD}
        }
    return {}


@dataclass(frozen=True)
class SubscriptionQuote:
    """What a subscription costs per delivery, shown before subscribing."""

    discount_percent: Decimal
    list_total: Decimal
    subtotal: Decimal
    shipping: Decimal
    total: Decimal
    saving: Decimal
    qv: Decimal


def subscription_quote(*, lines: Mapping[int, int], discount_percent: Decimal | None = None):
    """Price of one delivery of `lines` ({product id: quantity}) for a subscriber."""
    if discount_percent is None:
        discount_percent = subscription_terms().discount_percent
    products = Product.objects.in_bulk([int(pid) for pid in lines if 0 < int(pid) < 2**31])
    priced = []
    list_total = Decimal("0.00")
    qv = Decimal("0")
    for pid, quantity in lines.items():
        product = products.get(int(pid))
        if product is None:
            continue
        unit = subscriber_unit_price(
            list_price=product.price,
            cv=product.cv,
            qv=product.qv,
            discount_percent=discount_percent,
        )
        priced.append((unit.price, product.vat_rate, quantity))
        list_total += product.price * quantity
        qv += unit.qv * quantity
    totals = totals_for(priced)
    return SubscriptionQuote(
        discount_percent=discount_percent,
        list_total=list_total,
        subtotal=totals.subtotal,
        shipping=totals.shipping,
        total=totals.total,
        saving=list_total - totals.subtotal,
        qv=qv,
    )


@transaction.atomic
def subscription_create(
    *,
    lines: Mapping[int, int],
    customer_data: Mapping[str, str],
    interval: int,
    first_date: date,
    account_holder: str,
    iban: str,
    mandate_text: str,
    referral: Referral | None = None,
    user=None,
    language: str = "",
    today: date | None = None,
) -> Subscription:
    """Subscribe: the customer (a guest, known by e-mail), the products, the
    schedule and the SEPA mandate they gave with the text they were shown.
    Raises ValidationError keyed by field; nothing is saved then. A first date
    of today creates the first order at once."""
    today = today or company_today()
    language = (language or settings.LANGUAGE_CODE)[:8]
    errors: dict[str, str | list[str]] = {}
    try:
        data = customer_data_clean(dict(customer_data))
    except ValidationError as exc:
        errors.update(exc.message_dict)
        data = None
    if data is not None:
        try:
            partner_code_check(code=data["partner_code"])
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if interval not in INTERVALS:
        errors["interval"] = _("Please choose every 1, 2 or 3 months.")
    errors.update(_date_check(value=first_date, today=today, field="first_date"))
    products, line_errors = _lines_check(lines)
    errors.update(line_errors)
    if errors:
        raise ValidationError(errors)

    partner, reason = attribution_resolve(
        customer_email=data["email"], user=user, code=data["partner_code"], referral=referral
    )
    customer = customer_get_or_create(
        email=data["email"], first_name=data["first_name"], last_name=data["last_name"]
    )
    mandate = payment.mandate_give(
        customer=customer,
        account_holder=account_holder,
        iban=iban,
        text=mandate_text,
        language=language,
    )
    if order_binds_customer(partner_id=partner.pk if partner else None, attribution=reason):
        customer_bind(customer=customer, partner=partner)
    subscription = Subscription.objects.create(
        customer=customer,
        email=data["email"],
        first_name=data["first_name"],
        last_name=data["last_name"],
        street=data["street"],
        postal_code=data["postal_code"],
        city=data["city"],
        country=data["country"],
        language=language,
        partner=partner,
        attribution=reason,
        interval=interval,
        anchor_day=first_date.day,
        first_date=first_date,
        next_date=first_date,
        # The confirmation states amount and first date: it is the first pre-notification.
        prenotified_for=first_date,
        discount_percent=subscription_terms().discount_percent,
        mandate=mandate,
    )
    SubscriptionLine.objects.bulk_create(
        SubscriptionLine(
            subscription=subscription,
            product=products[int(pid)],
            quantity=quantity,
            unit_price=products[int(pid)].price,
        )
        for pid, quantity in sorted(lines.items(), key=lambda item: int(item[0]))
    )
    subscription_started.send(sender=Subscription, subscription=subscription)
    emails.on_commit(emails.subscription_confirmation_send, subscription.pk)
    if first_date <= today:
        subscription_cycle_create(subscription=subscription, today=today)
    return subscription


# --- The cycle ------------------------------------------------------------------


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


# --- What the customer changes (signed link) ------------------------------------


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


@transaction.atomic
def subscription_debit_returned(*, order: Order, reason_code: str) -> Subscription | None:
    """A cycle's debit came back (the order is refunded by payouts): count it;
    after the second the subscription pauses and the customer is told. None for an order that is not a subscription's."""
    cycle = SubscriptionCycle.objects.filter(order=order).select_related("subscription").first()
    if cycle is None:
        return None
    subscription = _lock(cycle.subscription)
    subscription.failure_count += 1
    subscription.save(update_fields=["failure_count", "updated_at"])
    paused = False
    if subscription.failure_count >= FAILURES_BEFORE_PAUSE and subscription.status == S.ACTIVE:
        subscription = subscription_pause(
            subscription=subscription,
            reason=_("Direct debit returned twice (%(code)s)") % {"code": reason_code},
            notify=False,
        )
        paused = True
    if paused:
        # payouts tells the customer of every return; the pause is ours to tell.
        emails.on_commit(emails.debit_returned_send, subscription.pk, order.number, reason_code)
    return subscription
