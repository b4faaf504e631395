"""Refunds: in full or of chosen lines (a pure refund_prepare, then the atomic
order_refund), and a payment that arrived after the order was cancelled,
recorded and given back at the provider.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import Order, OrderEvent, OrderLine, OrderTransition, Refund, RefundLine
from ..pricing import discounted
from ..stock import refund_stock_release
from .lifecycle import S, _lock, _transition, order_event_record


@dataclass(frozen=True)
class RefundDraft:
    """What a refund will write: checked quantities per order line, amount, QV, CV."""

    quantities: dict[int, int]  # order line id -> quantity refunded now
    amount: Decimal
    qv: Decimal
    cv: Decimal
    is_full: bool  # everything is refunded afterwards (the order becomes "refunded")


def refund_prepare(
    *,
    order: Order,
    lines: Mapping[int, OrderLine],
    quantities: Mapping[int, int] | None = None,
    refunded_amount: Decimal = Decimal("0"),
) -> RefundDraft:
    """Pure: check a refund of `order` (with its `lines` by id, and the amount
    refunded before) and compute it. Refunds everything still open when
    quantities is None. Raises ValidationError listing every problem."""
    if order.status not in (S.PAID, S.SHIPPED):
        raise ValidationError(
            _("Only paid or shipped orders can be refunded; order %(number)s is “%(status)s”.")
            % {"number": order.number, "status": S(order.status).label}
        )
    if quantities is None:
        quantities = {pk: line.quantity - line.refunded_quantity for pk, line in lines.items()}
        quantities = {pk: q for pk, q in quantities.items() if q > 0}
    errors = []
    for line_id, qty in quantities.items():
        line = lines.get(line_id)
        if line is None:
            errors.append(
                _("Line %(id)s does not belong to order %(number)s.")
                % {"id": line_id, "number": order.number}
            )
        elif not isinstance(qty, int) or qty < 1:
            errors.append(
                _("“%(name)s”: the quantity to refund must be at least 1.") % {"name": line.name}
            )
        elif qty > line.quantity - line.refunded_quantity:
            errors.append(
                _("“%(name)s”: only %(left)d of %(qty)d can still be refunded.")
                % {
                    "name": line.name,
                    "left": line.quantity - line.refunded_quantity,
                    "qty": line.quantity,
                }
            )
    if not quantities and not errors:
        errors.append(_("Nothing left to refund on order %(number)s.") % {"number": order.number})
    if errors:
        raise ValidationError(errors)

    amount = sum((lines[pk].unit_price * q for pk, q in quantities.items()), Decimal("0"))
    # Goods bought with a partner code's discount are refunded at what was paid.
    amount = discounted(amount, order.discount_percent)
    qv = sum((lines[pk].unit_qv * q for pk, q in quantities.items()), Decimal("0"))
    cv = sum((lines[pk].unit_cv * q for pk, q in quantities.items()), Decimal("0"))
    is_full = all(
        line.refunded_quantity + quantities.get(pk, 0) == line.quantity
        for pk, line in lines.items()
    )
    if is_full:
        # The shipping fee goes back with the last item.
        amount = order.total - refunded_amount
    return RefundDraft(quantities=dict(quantities), amount=amount, qv=qv, cv=cv, is_full=is_full)


@transaction.atomic
def order_refund(
    *,
    order: Order,
    quantities: dict[int, int] | None = None,
    changed_by=None,
    reason: str = "",
    refunded_at=None,
    provider_reference: str = "",
    restock: bool = True,
) -> Refund:
    """Refund the whole order (quantities=None) or chosen quantities of lines
    ({order_line_id: quantity}). A partial refund keeps the order paid/shipped
    until everything is refunded. Checked and computed by refund_prepare.
    What is refunded of goods not shipped yet goes back to stock; restock=False
    for a return, which puts the goods that came back on the shelf itself."""
    order = _lock(order)
    lines = {
        line.pk: line
        for line in OrderLine.objects.select_for_update().filter(order=order).order_by("pk")
    }
    draft = refund_prepare(
        order=order,
        lines=lines,
        quantities=quantities,
        refunded_amount=sum((r.amount for r in order.refunds.all()), Decimal("0")),
    )
    if restock:
        refund_stock_release(order=order, lines=lines, quantities=draft.quantities)
    for pk, q in draft.quantities.items():
        lines[pk].refunded_quantity += q
        lines[pk].save(update_fields=["refunded_quantity"])
    refunded_at = refunded_at or timezone.now()
    refund = Refund.objects.create(
        order=order,
        amount=draft.amount,
        qv=draft.qv,
        cv=draft.cv,
        is_full=draft.is_full,
        reason=reason[:255],
        provider_reference=provider_reference,
        refunded_at=refunded_at,
        created_by=changed_by,
    )
    RefundLine.objects.bulk_create(
        [
            RefundLine(refund=refund, order_line_id=pk, quantity=q)
            for pk, q in draft.quantities.items()
        ]
    )
    if draft.is_full:
        _transition(order, S.REFUNDED, changed_by=changed_by, note=reason)
        order.refunded_at = refunded_at
        order.save(update_fields=["status", "refunded_at", "updated_at"])
    else:
        OrderTransition.objects.create(
            order=order,
            from_status=order.status,
            to_status=order.status,
            changed_by=changed_by,
            note=(_("partial refund: %(amount)s") % {"amount": draft.amount})[:255],
        )
    order_event_record(
        order=order,
        kind=OrderEvent.Kind.REFUNDED,
        key=f"refund:{refund.pk}",
        occurred_at=refunded_at,
        refund=refund,
    )
    from ..payments import refund_send_after_commit

    refund_send_after_commit(order=order, refund=refund)  # back the way it was paid
    return refund


@transaction.atomic
def order_late_payment_record(
    *, order: Order, reference: str, amount: Decimal, received_at=None
) -> Order:
    """The provider collected money for an order cancelled meanwhile: keep it on the
    order (which stays cancelled, books no volume) until an admin refunds it."""
    order = _lock(order)
    if order.status != S.CANCELLED:
        raise ValidationError(_("Only a cancelled order can have a payment after cancellation."))
    if order.late_payment_reference:
        return order
    order.late_payment_reference = reference[:255]
    order.late_payment_amount = amount
    order.late_payment_received_at = received_at or timezone.now()
    order.save(
        update_fields=[
            "late_payment_reference",
            "late_payment_amount",
            "late_payment_received_at",
            "updated_at",
        ]
    )
    OrderTransition.objects.create(
        order=order,
        from_status=order.status,
        to_status=order.status,
        note=(
            _("%(amount)s EUR were paid after the order was cancelled (%(reference)s): refund it.")
            % {"amount": amount, "reference": reference}
        )[:255],
    )
    return order


def order_late_payment_refund(*, order: Order, changed_by=None) -> Order:
    """Give back a payment received after cancellation, at the provider. Safe to
    repeat: the provider call is idempotent per order and nothing happens once it
    is refunded."""
    from ..payments import payment_provider

    with transaction.atomic():
        order = _lock(order)
        if not order.needs_attention:
            raise ValidationError(
                _("Order %(number)s has no payment after cancellation to refund.")
                % {"number": order.number}
            )
        refund_id = payment_provider(order.payment_method).refund(
            reference=order.late_payment_reference,
            amount=order.late_payment_amount,
            idempotency_key=f"late-payment-refund-{order.number}",
        )
        order.late_payment_refunded_at = timezone.now()
        order.save(update_fields=["late_payment_refunded_at", "updated_at"])
        OrderTransition.objects.create(
            order=order,
            from_status=order.status,
            to_status=order.status,
            changed_by=changed_by,
            note=(_("Payment after cancellation refunded (%(refund)s).") % {"refund": refund_id})[
                :255
            ],
        )
    return order
