"""Writes of withdrawals and returns. One business operation each, atomic,
ValidationError with a clear message on a broken rule.

The money follows the existing refund rules: every receipt of goods is one
orders.services.order_refund of what arrived (volume and CV go back into the
payment's period while it is open, else into the open one: the clawback of
commissions.md section 3; the shipping fee goes back with the last item, so a
full withdrawal gets the standard delivery cost back). The order's refund event
does the rest downstream (volume, webhooks, invoice correction)."""

from collections.abc import Mapping
from functools import partial

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Sum
from django.utils import timezone
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

from fulfilment.selectors import order_parcel_dates
from orders.models import Order, OrderLine, Refund
from orders.services import order_cancel, order_refund
from orders.stock import stock_release_lines
from partners.models import normalize_email
from subscriptions.models import Subscription, SubscriptionCycle
from subscriptions.services import subscription_cancel

from . import emails, period
from .events import return_received
from .models import Return, ReturnLine, ReturnLog, Withdrawal

OS = Order.Status
RS = Return.Status
WS = Withdrawal.Status
ACTIVE_RETURN = (RS.OPEN, RS.PARTLY_RECEIVED)


def _log(ret: Return, *, from_status: str, note: str = "", actor=None, refund=None) -> None:
    ReturnLog.objects.create(
        ret=ret,
        from_status=from_status,
        to_status=ret.status,
        note=note[:255],
        actor=actor,
        refund=refund,
    )


def returnable_quantities(*, order: Order) -> dict[int, int]:
    """{order line id: quantity} that may still be sent back: bought, not yet
    refunded, and not already expected in an open return."""
    expected = dict(
        ReturnLine.objects.filter(ret__order=order, ret__status__in=ACTIVE_RETURN)
        .values("order_line")
        .annotate(n=Sum(F("quantity") - F("received_quantity")))
        .values_list("order_line", "n")
    )
    left = {}
    for line in OrderLine.objects.filter(order=order).order_by("pk"):
        n = line.quantity - line.refunded_quantity - (expected.get(line.pk) or 0)
        if n > 0:
            left[line.pk] = n
    return left


@transaction.atomic
def return_open(
    *,
    order: Order,
    reason: str,
    quantities: Mapping[int, int] | None = None,
    note: str = "",
    withdrawal: Withdrawal | None = None,
    opened_by=None,
) -> Return:
    """Expect goods back: `quantities` {order line id: quantity}, or everything
    still returnable when None. Only paid or shipped orders have goods to return."""
    order = Order.objects.select_for_update().get(pk=order.pk)
    if order.status not in (OS.PAID, OS.SHIPPED):
        raise ValidationError(
            _("Only paid or shipped orders can be returned; order %(number)s is “%(status)s”.")
            % {"number": order.number, "status": OS(order.status).label}
        )
    if reason not in Return.Reason.values:
        raise ValidationError({"reason": _("Please choose the reason of the return.")})
    left = returnable_quantities(order=order)
    if quantities is None:
        quantities = left
    quantities = {pk: q for pk, q in quantities.items() if q}
    names = dict(OrderLine.objects.filter(order=order).values_list("pk", "name"))
    errors = []
    for line_id, qty in quantities.items():
        if line_id not in names:
            errors.append(
                _("Line %(id)s does not belong to order %(number)s.")
                % {"id": line_id, "number": order.number}
            )
        elif not isinstance(qty, int) or qty < 0:
            errors.append(
                _("“%(name)s”: please give a whole number of items.") % {"name": names[line_id]}
            )
        elif qty > left.get(line_id, 0):
            errors.append(
                _("“%(name)s”: only %(left)d can still be returned.")
                % {"name": names[line_id], "left": left.get(line_id, 0)}
            )
    if not quantities and not errors:
        errors.append(
            _("Nothing of order %(number)s can be returned any more.") % {"number": order.number}
        )
    if errors:
        raise ValidationError(errors)
    ret = Return.objects.create(
        order=order,
        withdrawal=withdrawal,
        reason=reason,
        note=(note or "").strip()[:255],
        opened_by=opened_by,
    )
    ReturnLine.objects.bulk_create(
        [ReturnLine(ret=ret, order_line_id=pk, quantity=q) for pk, q in sorted(quantities.items())]
    )
    _log(ret, from_status="", note=note, actor=opened_by)
    return ret


def _withdrawal_settle(withdrawal: Withdrawal | None, *, at) -> None:
    """A withdrawal whose returns are all settled is done."""
    if withdrawal is None or withdrawal.status != WS.OPEN:
        return
    if not withdrawal.returns.filter(status__in=ACTIVE_RETURN).exists():
        Withdrawal.objects.filter(pk=withdrawal.pk).update(status=WS.DONE, closed_at=at)


@transaction.atomic
def return_receive(
    *, ret: Return, quantities: Mapping[int, int] | None = None, received_by=None
) -> Refund:
    """The warehouse has the goods: `quantities` {return line id: quantity}
    arrived now (everything still expected when None). What arrived is refunded
    at once by the refund rules of orders; customer and partner are told."""
    Order.objects.select_for_update().get(pk=ret.order_id)  # the order first, as order_refund
    ret = Return.objects.select_for_update().select_related("order").get(pk=ret.pk)
    if ret.status not in ACTIVE_RETURN:
        raise ValidationError(
            _("Return %(number)s is “%(status)s”: nothing more can be received.")
            % {"number": ret.number, "status": RS(ret.status).label}
        )
    lines = {line.pk: line for line in ret.lines.select_related("order_line").order_by("pk")}
    if quantities is None:
        quantities = {pk: line.outstanding for pk, line in lines.items()}
    quantities = {pk: q for pk, q in quantities.items() if q}
    errors = []
    for line_id, qty in quantities.items():
        line = lines.get(line_id)
        if line is None:
            errors.append(
                _("Line %(id)s does not belong to return %(number)s.")
                % {"id": line_id, "number": ret.number}
            )
        elif not isinstance(qty, int) or qty < 0:
            errors.append(
                _("“%(name)s”: please give a whole number of items.")
                % {"name": line.order_line.name}
            )
        elif qty > line.outstanding:
            errors.append(
                _("“%(name)s”: only %(left)d more are expected.")
                % {"name": line.order_line.name, "left": line.outstanding}
            )
    if not quantities and not errors:
        errors.append(_("Please enter at least one item that arrived."))
    if errors:
        raise ValidationError(errors)

    refund = order_refund(
        order=ret.order,
        quantities={lines[pk].order_line_id: q for pk, q in quantities.items()},
        changed_by=received_by,
        reason=_("Return %(number)s") % {"number": ret.number},
        restock=False,  # what came back goes on the shelf below (unless defective)
    )
    for pk, q in quantities.items():
        lines[pk].received_quantity += q
        lines[pk].save(update_fields=["received_quantity"])
    if ret.reason != Return.Reason.DEFECT:
        # Withdrawn goods go back on the shelf; defective ones do not.
        stock_release_lines(quantities={lines[pk].order_line: q for pk, q in quantities.items()})
    before = ret.status
    complete = all(line.outstanding == 0 for line in lines.values())
    ret.status = RS.RECEIVED if complete else RS.PARTLY_RECEIVED
    ret.save(update_fields=["status", "updated_at"])
    _log(
        ret,
        from_status=before,
        note=ngettext(
            "%(items)d item received, %(amount)s EUR refunded",
            "%(items)d items received, %(amount)s EUR refunded",
            sum(quantities.values()),
        )
        % {"items": sum(quantities.values()), "amount": refund.amount},
        actor=received_by,
        refund=refund,
    )
    _withdrawal_settle(ret.withdrawal, at=refund.refunded_at)
    return_received.send(sender=Return, ret=ret, refund=refund)
    emails.on_commit(emails.return_received_send, ret.pk, refund.pk)
    return refund


@transaction.atomic
def return_cancel(*, ret: Return, cancelled_by=None, note: str = "") -> Return:
    """No (more) goods will come: what was not received is not refunded."""
    if not (note or "").strip():
        raise ValidationError({"note": _("Please say why the return is closed without goods.")})
    ret = Return.objects.select_for_update().get(pk=ret.pk)
    if ret.status not in ACTIVE_RETURN:
        raise ValidationError(
            _("Return %(number)s is “%(status)s” already.")
            % {"number": ret.number, "status": RS(ret.status).label}
        )
    before = ret.status
    ret.status = RS.CANCELLED
    ret.save(update_fields=["status", "updated_at"])
    _log(ret, from_status=before, note=note.strip(), actor=cancelled_by)
    _withdrawal_settle(ret.withdrawal, at=timezone.now())
    return ret


# --- Withdrawals -----------------------------------------------------------------


def _withdraw_from_order(withdrawal: Withdrawal, order: Order, *, at) -> bool:
    """Undo one order of a withdrawal within its period. True if goods (or money)
    are still to come back, i.e. the withdrawal stays open."""
    if order.status == OS.PENDING:
        order_cancel(order=order, reason=_("withdrawal by the customer"))
        return False
    if order.status in (OS.PAID, OS.SHIPPED):
        if returnable_quantities(order=order):
            return_open(order=order, reason=Return.Reason.WITHDRAWAL, withdrawal=withdrawal)
        return Return.objects.filter(order=order, status__in=ACTIVE_RETURN).exists()
    return False  # cancelled or refunded already: nothing is owed


def _first_shipped_at(subscription: Subscription):
    shipped = (
        SubscriptionCycle.objects.filter(subscription=subscription, order__shipped_at__isnull=False)
        .order_by("order__shipped_at")
        .values_list("order__shipped_at", "order_id")
        .first()
    )
    return shipped or (None, None)


@transaction.atomic
def withdrawal_declare(*, name: str, email: str, reference: str, at=None) -> Withdrawal:
    """The customer's declaration from the withdrawal form, confirmed in its
    second step. Kept as declared; matched when the number (order or
    subscription) and the e-mail address belong together. Within the period an
    unpaid order is cancelled, a paid or shipped one gets a return of everything
    still open, a subscription ends and its orders are treated the same way.
    The acknowledgement e-mail goes out after commit, whatever matched (the page
    says the same to everyone)."""
    at = at or timezone.now()
    email = normalize_email(email)
    typed = (reference or "").strip()[:40]
    withdrawal = Withdrawal(
        name=(name or "").strip()[:200],
        email=email,
        reference=typed,
        declared_at=at,
        status=WS.UNMATCHED,
    )
    number = typed.upper()
    order = (
        Order.objects.filter(number__iexact=number, email__iexact=email).first() if number else None
    )
    subscription = None
    if order is None and number:
        subscription = Subscription.objects.filter(
            number__iexact=number, email__iexact=email
        ).first()

    received = None
    if order is not None:
        withdrawal.kind, withdrawal.order = Withdrawal.Kind.ORDER, order
        shipped_at = order.shipped_at
        received = period.goods_received_on(order_parcel_dates(order_id=order.pk))
    elif subscription is not None:
        withdrawal.kind, withdrawal.subscription = Withdrawal.Kind.SUBSCRIPTION, subscription
        shipped_at, first_order_id = _first_shipped_at(subscription)
        if first_order_id is not None:
            received = period.goods_received_on(order_parcel_dates(order_id=first_order_id))
    if withdrawal.kind:
        withdrawal.period_ends_at = period.period_ends_at(shipped_at=shipped_at, received=received)
        if not period.within_period(shipped_at=shipped_at, at=at, received=received):
            withdrawal.status = WS.LATE
        else:
            withdrawal.status = WS.OPEN
    withdrawal.save()

    if withdrawal.status == WS.OPEN:
        still_open = False
        if order is not None:
            still_open = _withdraw_from_order(withdrawal, order, at=at)
        else:
            subscription_cancel(
                subscription=subscription, reason=_("withdrawal"), at=at, notify=False
            )
            cycle_orders = Order.objects.filter(
                pk__in=SubscriptionCycle.objects.filter(
                    subscription=subscription, order__isnull=False
                ).values("order")
            ).order_by("pk")
            for cycle_order in cycle_orders:
                still_open = _withdraw_from_order(withdrawal, cycle_order, at=at) or still_open
        if still_open:
            withdrawal.refund_due_on = period.refund_due_on(declared_at=at)
        else:
            withdrawal.status, withdrawal.closed_at = WS.DONE, at
        withdrawal.save(update_fields=["status", "refund_due_on", "closed_at"])

    transaction.on_commit(
        partial(emails.acknowledgement_deliver, withdrawal.pk, get_language() or ""), robust=True
    )
    return withdrawal


@transaction.atomic
def withdrawal_close(*, withdrawal: Withdrawal, closed_by=None) -> Withdrawal:
    """An admin settles a withdrawal by hand (an unmatched or late one answered,
    or one handled outside the returns)."""
    withdrawal = Withdrawal.objects.select_for_update().get(pk=withdrawal.pk)
    if withdrawal.status == WS.DONE:
        return withdrawal
    if withdrawal.returns.filter(status__in=ACTIVE_RETURN).exists():
        raise ValidationError(
            _(
                "Withdrawal %(reference)s still has goods expected back: receive or close the return first."
            )
            % {"reference": withdrawal.reference}
        )
    withdrawal.status, withdrawal.closed_at = WS.DONE, timezone.now()
    withdrawal.save(update_fields=["status", "closed_at"])
    return withdrawal
