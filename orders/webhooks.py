"""Stripe webhooks: verified, de-duplicated, mapped onto the order services.

- The signature is checked on the raw request body with STRIPE_WEBHOOK_SECRET
  (stripe.Webhook.construct_event); anything that does not verify changes nothing.
- Every event id is handled once (PaymentWebhookEvent is unique per provider and
  id); Stripe sends events twice and late, and a duplicate has no second effect.
- checkout.session.completed / checkout.session.async_payment_succeeded with
  payment_status "paid" -> order_mark_paid (paid time = the event's time). A
  delayed method (PayPal, Klarna) completes "unpaid" first and confirms later;
  checkout.session.async_payment_failed cancels the pending order.
- charge.refunded of a refund we sent ourselves (refund_send after an admin's or
  a return's refund) finds it booked already: nothing new to refund.
- charge.refunded carries the cumulative refunded amount. The part not yet booked
  here is refunded:
    * all that is still open (or more)       -> full refund (order_refund, all lines)
    * exactly the value of one combination of -> partial refund of those lines
      remaining line quantities
    * anything else (e.g. a goodwill amount)  -> no volume change; a note on the
      order's history asks an admin to choose the lines (partial refund page).
  Volume follows goods, and only an admin knows which goods came back.
- A payment for an order cancelled meanwhile is recorded on the order
  (order_late_payment_record): admins find it under "needs attention" and refund
  it with one action (order_late_payment_refund -> Stripe refund).
- A refund for an order that is not paid yet, or whose payment we do not know
  yet (events out of order), is not recorded and answered with 409, so Stripe
  retries it after the payment event.
"""

import itertools
import logging
from datetime import UTC, datetime
from decimal import Decimal

import stripe
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils.translation import gettext as _

from .models import Order, OrderLine, OrderTransition, PaymentWebhookEvent
from .payments import cents
from .services import order_cancel, order_late_payment_record, order_mark_paid, order_refund

logger = logging.getLogger(__name__)

PROVIDER = "stripe"
MAX_REFUND_COMBINATIONS = 20000


class WebhookRetryLater(Exception):
    """The event cannot be applied yet; answer non-2xx so Stripe sends it again."""


def stripe_event_verify(*, payload: bytes, signature: str) -> dict:
    """The event as a plain dict, or ValueError / stripe.SignatureVerificationError."""
    if not settings.STRIPE_WEBHOOK_SECRET:
        raise stripe.SignatureVerificationError("No webhook secret configured.", signature)
    try:
        event = stripe.Webhook.construct_event(
            payload, signature, settings.STRIPE_WEBHOOK_SECRET
        ).to_dict()
    except (AttributeError, TypeError, KeyError) as exc:  # signed JSON that is no object
        raise ValueError("The payload is not a Stripe event.") from exc
    data = event.get("data", {})
    if (
        not isinstance(event.get("id"), str)
        or not event["id"]
        or not isinstance(event.get("type", ""), str)
        or not isinstance(data, dict)
        or not isinstance(data.get("object", {}), dict)
    ):
        raise ValueError("The payload is not a Stripe event.")
    return event


def _event_time(event: dict) -> datetime:
    return (
        datetime.fromtimestamp(int(event.get("created") or 0), tz=UTC)
        if event.get("created")
        else None
    )


def _order_for(*, number: str = "", payment_reference: str = "") -> Order | None:
    if number:
        order = Order.objects.filter(number=number).first()
        if order is not None:
            return order
    if payment_reference:
        return Order.objects.filter(payment_reference=payment_reference).first()
    return None


def _session_paid(session: dict, event: dict) -> str:
    if session.get("payment_status") != "paid":
        return "waiting for payment"
    number = session.get("client_reference_id") or (session.get("metadata") or {}).get(
        "order_number", ""
    )
    order = _order_for(number=number, payment_reference=session.get("id", ""))
    if order is None:
        return "unknown order"
    if order.status == Order.Status.CANCELLED:
        # The customer paid while the order was being cancelled: the money is kept
        # on the order and shown to admins, who refund it with one action.
        reference = session.get("payment_intent") or session.get("id", "")
        amount = (
            Decimal(int(session["amount_total"])) / 100
            if session.get("amount_total") is not None
            else order.total
        )
        logger.error("Stripe payment %s for cancelled order %s", reference, order.number)
        order_late_payment_record(
            order=order, reference=reference, amount=amount, received_at=_event_time(event)
        )
        return "paid after cancellation: needs a refund"
    if order.status != Order.Status.PENDING:
        return f"order already {order.status}"
    if session.get("amount_total") is not None and (
        int(session["amount_total"]) != cents(order.total)
        or (session.get("currency") or "").lower() != order.currency.lower()
    ):
        logger.error(
            "Stripe session %s pays %s %s for order %s of %s %s",
            session.get("id"),
            session.get("amount_total"),
            session.get("currency"),
            order.number,
            order.total,
            order.currency,
        )
        return "amount mismatch"
    order_mark_paid(
        order=order,
        paid_at=_event_time(event),
        payment_reference=session.get("payment_intent") or session.get("id", ""),
    )
    return "paid"


def refund_quantities_matching(*, lines: list[OrderLine], amount: Decimal) -> dict[int, int] | None:
    """The one combination of still refundable line quantities whose value is
    exactly `amount`; None when there is none or more than one."""
    open_lines = [(line, line.quantity - line.refunded_quantity) for line in lines]
    open_lines = [(line, left) for line, left in open_lines if left > 0]
    combinations = 1
    for _line, left in open_lines:
        combinations *= left + 1
    if not open_lines or combinations > MAX_REFUND_COMBINATIONS:
        return None
    target = cents(amount)
    found = None
    for counts in itertools.product(*(range(left + 1) for _line, left in open_lines)):
        if (
            sum(
                cents(line.unit_price) * n
                for (line, _left), n in zip(open_lines, counts, strict=True)
            )
            == target
        ):
            if found is not None:
                return None  # ambiguous
            found = {line.pk: n for (line, _left), n in zip(open_lines, counts, strict=True) if n}
    return found or None


def _charge_refunded(charge: dict, event: dict) -> str:
    number = (charge.get("metadata") or {}).get("order_number", "")
    order = _order_for(number=number, payment_reference=charge.get("payment_intent") or "")
    if order is None:
        # Most likely the payment event has not been applied yet (we learn the
        # payment intent from it); Stripe retries for three days.
        raise WebhookRetryLater(f"no order for payment {charge.get('payment_intent')}")
    if order.status == Order.Status.PENDING:
        raise WebhookRetryLater(f"order {order.number} is not paid yet")
    if order.status not in (Order.Status.PAID, Order.Status.SHIPPED):
        return f"order already {order.status}"
    refunded = Decimal(int(charge.get("amount_refunded") or 0)) / 100
    booked = order.refunds.aggregate(s=Sum("amount"))["s"] or Decimal("0")
    new = refunded - booked
    if new <= 0:
        return "nothing new to refund"
    reason = _("Refund at Stripe (%(charge)s)") % {"charge": charge.get("id", "")}
    common = {
        "reason": reason,
        "provider_reference": event.get("id", ""),
        "refunded_at": _event_time(event),
    }
    if new >= order.total - booked:
        order_refund(order=order, **common)
        return "refunded in full"
    quantities = refund_quantities_matching(lines=list(order.lines.all()), amount=new)
    if quantities:
        order_refund(order=order, quantities=quantities, **common)
        return "refunded in part"
    OrderTransition.objects.create(
        order=order,
        from_status=order.status,
        to_status=order.status,
        note=(
            _(
                "Stripe refunded %(amount)s EUR that matches no lines: please choose the refunded lines."
            )
            % {"amount": new}
        )[:255],
    )
    return "needs an admin"


def _session_failed(session: dict, event: dict) -> str:
    """A delayed payment (PayPal, Klarna, ...) failed after the customer left
    Stripe's page: no money comes, the pending order is cancelled (noted why)."""
    number = session.get("client_reference_id") or (session.get("metadata") or {}).get(
        "order_number", ""
    )
    order = _order_for(number=number, payment_reference=session.get("id", ""))
    if order is None:
        return "unknown order"
    if order.status != Order.Status.PENDING:
        return f"order already {order.status}"
    order_cancel(
        order=order,
        reason=_("The payment at Stripe failed (%(session)s).") % {"session": session.get("id")},
    )
    return "payment failed: cancelled"


HANDLERS = {
    "checkout.session.completed": _session_paid,
    "checkout.session.async_payment_succeeded": _session_paid,
    "checkout.session.async_payment_failed": _session_failed,
    "charge.refunded": _charge_refunded,
}


@transaction.atomic
def stripe_event_handle(*, event: dict) -> str:
    """Apply a verified event once. Returns what happened, for the log."""
    try:
        with transaction.atomic():
            PaymentWebhookEvent.objects.create(
                provider=PROVIDER, event_id=event["id"], event_type=event.get("type", "")[:100]
            )
    except IntegrityError:
        return "duplicate"
    handler = HANDLERS.get(event.get("type", ""))
    if handler is None:
        return "ignored"
    try:
        with transaction.atomic():
            return handler((event.get("data") or {}).get("object") or {}, event)
    except ValidationError as exc:
        # A broken business rule (e.g. the order was cancelled meanwhile): record
        # the event as seen, change nothing, tell the log.
        logger.warning("Stripe event %s refused: %s", event["id"], exc.messages)
        return "refused"
