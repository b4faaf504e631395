"""Writes on orders: the status machine, refunds, re-attribution, customer binding.

Every transition is one service; admin actions and webhooks call the same ones.
Imported history goes through orders/bulk.py (the bulk variant, same decisions).
Long operations are a pure preparation plus an atomic write: order_prepare /
order_place, refund_prepare / order_refund.
Volume-relevant changes record an OrderEvent and announce it inside the same
transaction (orders/events.py), so downstream apps book atomically.
"""

import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from functools import partial

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from partners.models import Partner, normalize_email
from partners.services import partner_nearest_active_upline

from .attribution import (
    Referral,
    attribution_for_assigned,
    attribution_resolve,
    order_binds_customer,
    partner_code_check,
)
from .cart import quantity_problem
from .events import order_event_recorded
from .models import (
    AttributionChange,
    Customer,
    CustomerBindingChange,
    Order,
    OrderEvent,
    OrderLine,
    OrderMail,
    OrderTransition,
    Product,
    Refund,
    RefundLine,
)
from .pricing import Totals, totals_for
from .validators import customer_data_clean

S = Order.Status

# The status machine of qualification.md section 2. Anything else is refused.
TRANSITIONS: dict[str, set[str]] = {
    S.PENDING: {S.PAID, S.CANCELLED},
    S.PAID: {S.SHIPPED, S.REFUNDED},
    S.SHIPPED: {S.REFUNDED},
    S.CANCELLED: set(),
    S.REFUNDED: set(),
}


def _lock(order: Order) -> Order:
    return Order.objects.select_for_update().get(pk=order.pk)


def _transition(order: Order, to_status: str, *, changed_by=None, note: str = "") -> None:
    if to_status not in TRANSITIONS[order.status]:
        raise ValidationError(
            _("Order %(number)s cannot go from “%(from)s” to “%(to)s”.")
            % {"number": order.number, "from": S(order.status).label, "to": S(to_status).label}
        )
    OrderTransition.objects.create(
        order=order,
        from_status=order.status,
        to_status=to_status,
        changed_by=changed_by,
        note=note[:255],
    )
    order.status = to_status


def order_event_record(
    *, order: Order, kind: str, key: str, occurred_at, refund=None, attribution_change=None
) -> OrderEvent:
    """Append the event and announce it inside the current transaction."""
    event = OrderEvent.objects.create(
        order=order,
        kind=kind,
        key=key,
        occurred_at=occurred_at,
        refund=refund,
        attribution_change=attribution_change,
    )
    order_event_recorded.send(sender=OrderEvent, event=event)
    return event


@transaction.atomic
def order_mark_paid(
    *, order: Order, paid_at=None, changed_by=None, payment_reference: str = ""
) -> Order:
    order = _lock(order)
    _transition(order, S.PAID, changed_by=changed_by, note=payment_reference)
    order.paid_at = paid_at or timezone.now()
    if payment_reference:
        order.payment_reference = payment_reference
    order.save(update_fields=["status", "paid_at", "payment_reference", "updated_at"])
    order_event_record(
        order=order, kind=OrderEvent.Kind.PAID, key="paid", occurred_at=order.paid_at
    )
    return order


@transaction.atomic
def order_ship(*, order: Order, changed_by=None) -> Order:
    order = _lock(order)
    _transition(order, S.SHIPPED, changed_by=changed_by)
    order.shipped_at = timezone.now()
    order.save(update_fields=["status", "shipped_at", "updated_at"])
    return order


@transaction.atomic
def order_cancel(*, order: Order, changed_by=None, reason: str = "") -> Order:
    order = _lock(order)
    _transition(order, S.CANCELLED, changed_by=changed_by, note=reason)
    order.cancelled_at = timezone.now()
    order.save(update_fields=["status", "cancelled_at", "updated_at"])
    return order


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
) -> Refund:
    """Refund the whole order (quantities=None) or chosen quantities of lines
    ({order_line_id: quantity}). A partial refund keeps the order paid/shipped
    until everything is refunded. Checked and computed by refund_prepare."""
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
    from .payments import payment_provider

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


@transaction.atomic
def order_reattribute(
    *, order: Order, partner: Partner | None, changed_by, reason: str
) -> AttributionChange:
    """An admin gives an order to another partner (or the company). Logged; the
    qualification app rebooks the volume of every period it touches."""
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Please give a reason for the re-attribution.")})
    order = _lock(order)
    if order.attributed_partner_id == (partner.pk if partner else None):
        raise ValidationError(_("The order is already attributed to this partner."))
    change = AttributionChange.objects.create(
        order=order,
        from_partner_id=order.attributed_partner_id,
        to_partner=partner,
        changed_by=changed_by,
        reason=reason.strip(),
    )
    order.attributed_partner = partner
    order.attribution = attribution_for_assigned(
        customer_email=order.customer.email,
        partner_id=partner.pk if partner else None,
        partner_email=partner.user.email if partner else None,
        reason=Order.Attribution.ADMIN,
    )
    order.save(update_fields=["attributed_partner", "attribution", "updated_at"])
    order_event_record(
        order=order,
        kind=OrderEvent.Kind.REATTRIBUTED,
        key=f"reattribution:{change.pk}",
        occurred_at=change.created_at,
        attribution_change=change,
    )
    return change


def customer_get_or_create(*, email: str, first_name: str = "", last_name: str = "") -> Customer:
    email = normalize_email(email)
    customer, created = Customer.objects.get_or_create(
        email=email, defaults={"first_name": first_name, "last_name": last_name}
    )
    return customer


def customer_bind(*, customer: Customer, partner: Partner, at=None) -> bool:
    """The first attributed order binds the customer (spec 3.4). True if it bound now."""
    updated = Customer.objects.filter(pk=customer.pk, bound_partner__isnull=True).update(
        bound_partner=partner, bound_at=at or timezone.now()
    )
    if updated:
        customer.bound_partner = partner
    return bool(updated)


@transaction.atomic
def customer_rebind(
    *, customer: Customer, partner: Partner | None, changed_by, reason: str
) -> CustomerBindingChange:
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Please give a reason for the new binding.")})
    customer = Customer.objects.select_for_update().get(pk=customer.pk)
    change = CustomerBindingChange.objects.create(
        customer=customer,
        from_partner=customer.bound_partner,
        to_partner=partner,
        changed_by=changed_by,
        reason=reason.strip(),
    )
    customer.bound_partner = partner
    customer.bound_at = timezone.now() if partner else None
    customer.save(update_fields=["bound_partner", "bound_at"])
    return change


@transaction.atomic
def customers_rebind_from_terminated(*, partner: Partner, changed_by=None) -> int:
    """Spec 3.8: customers of a terminated partner go to the nearest active
    partner above them, logged."""
    heir = partner_nearest_active_upline(partner=partner)
    customers = list(
        Customer.objects.select_for_update().filter(bound_partner=partner).order_by("pk")
    )
    reason = _("Partner %(slug)s was terminated.") % {"slug": partner.slug}
    CustomerBindingChange.objects.bulk_create(
        [
            CustomerBindingChange(
                customer=c,
                from_partner=partner,
                to_partner=heir,
                changed_by=changed_by,
                reason=reason,
            )
            for c in customers
        ]
    )
    Customer.objects.filter(pk__in=[c.pk for c in customers]).update(
        bound_partner=heir, bound_at=timezone.now() if heir else None
    )
    return len(customers)


# --- Placing orders ---------------------------------------------------------

# No 0/O, 1/I/L: order numbers are read out on the phone and typed from e-mails.
NUMBER_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


def order_number_generate(*, at=None) -> str:
    """Human-friendly and unique enough to retry on the rare clash: 2026-K7Q4MX."""
    at = at or timezone.localtime()
    return f"{at:%Y}-" + "".join(secrets.choice(NUMBER_ALPHABET) for _ in range(6))


def _cart_lines_check(cart_lines: Mapping[int, int]) -> tuple[dict[int, Product], dict[str, str]]:
    errors: dict[str, str] = {}
    if not cart_lines:
        return {}, {"cart": _("Your cart is empty. Please add a product first.")}
    products = Product.objects.in_bulk([int(pid) for pid in cart_lines])
    for pid, qty in cart_lines.items():
        product = products.get(int(pid))
        if product is None or not product.is_active:
            name = product.name if product else _("A product")
            errors[f"line_{pid}"] = _(
                "“%(name)s” is no longer available. Please remove it from your cart."
            ) % {"name": name}
            continue
        problem = quantity_problem(qty)
        if problem:
            errors[f"line_{pid}"] = f"{product.name}: {problem}"
    if errors:
        errors["cart"] = _("Please check the marked products in your cart.")
    return products, errors


@dataclass(frozen=True)
class OrderDraft:
    """A checked order, not saved yet: what order_place will write."""

    data: dict[str, str]  # cleaned customer data (customer_data_clean)
    partner: Partner | None
    attribution: str
    lines: list[OrderLine]  # unsaved, in the cart's display order
    totals: Totals
    qv: Decimal
    cv: Decimal
    referral_slug: str
    payment_method: str
    language: str


def order_prepare(
    *,
    cart_lines: Mapping[int, int],
    customer_data: Mapping[str, str],
    referral: Referral | None = None,
    user=None,
    payment_method: str = Order.PaymentMethod.PREPAYMENT,
    language: str = "",
) -> OrderDraft:
    """Check a checkout and compute the order, writing nothing (it reads
    products and partners). Name, unit price, VAT rate and unit QV are copied
    from the products now; attribution is resolved once, here. Raises
    ValidationError keyed by field ("email", "postal_code", "partner_code",
    "payment_method", "cart", "line_<product id>")."""
    from .payments import payment_method_available

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
    if not payment_method_available(payment_method):
        errors["payment_method"] = _("Please choose an available payment method.")
    products, line_errors = _cart_lines_check(cart_lines)
    errors.update(line_errors)
    if errors:
        raise ValidationError(errors)

    partner, reason = attribution_resolve(
        customer_email=data["email"], user=user, code=data["partner_code"], referral=referral
    )
    lines = [
        OrderLine(
            product=products[int(pid)],
            name=products[int(pid)].name,
            unit_price=products[int(pid)].price,
            vat_rate=products[int(pid)].vat_rate,
            unit_qv=products[int(pid)].qv,
            unit_cv=products[int(pid)].cv,
            quantity=qty,
        )
        for pid, qty in sorted(
            cart_lines.items(), key=lambda item: (products[int(item[0])].sort_order, int(item[0]))
        )
    ]
    return OrderDraft(
        data=data,
        partner=partner,
        attribution=reason,
        lines=lines,
        totals=totals_for([(line.unit_price, line.vat_rate, line.quantity) for line in lines]),
        qv=sum((line.unit_qv * line.quantity for line in lines), Decimal("0")),
        cv=sum((line.unit_cv * line.quantity for line in lines), Decimal("0")),
        referral_slug=(referral.slug if referral else "")[:40],
        payment_method=payment_method,
        language=(language or "")[:8],
    )


@transaction.atomic
def order_place(
    *,
    cart_lines: Mapping[int, int],
    customer_data: Mapping[str, str],
    referral: Referral | None = None,
    user=None,
    checkout_token: str | None = None,
    payment_method: str = Order.PaymentMethod.PREPAYMENT,
    language: str = "",
) -> Order:
    """Place an order for the company from a cart ({product id: quantity}).

    customer_data: email, first_name, last_name, street, postal_code, city,
    country and the optional partner_code typed at checkout. Checked and
    computed by order_prepare (which raises ValidationError keyed by field;
    nothing is saved then), written by _order_create. The same checkout_token
    twice returns the first order (double click, reload, back button)."""
    if checkout_token:
        existing = Order.objects.filter(checkout_token=checkout_token).first()
        if existing is not None:
            return existing
    draft = order_prepare(
        cart_lines=cart_lines,
        customer_data=customer_data,
        referral=referral,
        user=user,
        payment_method=payment_method,
        language=language,
    )
    return _order_create(draft=draft, checkout_token=checkout_token)


def _order_create(*, draft: OrderDraft, checkout_token: str | None) -> Order:
    """Write a prepared order: customer, order (numbered), lines, first
    transition, customer binding; the confirmation mail after commit."""
    data, partner = draft.data, draft.partner
    customer = customer_get_or_create(
        email=data["email"], first_name=data["first_name"], last_name=data["last_name"]
    )
    now = timezone.now()
    totals = draft.totals
    order = Order(
        checkout_token=checkout_token or None,
        customer=customer,
        email=data["email"],
        first_name=data["first_name"],
        last_name=data["last_name"],
        street=data["street"],
        postal_code=data["postal_code"],
        city=data["city"],
        country=data["country"],
        currency="EUR",
        subtotal=totals.subtotal,
        shipping=totals.shipping,
        total=totals.total,
        vat_total=totals.vat_total,
        qv=draft.qv,
        cv=draft.cv,
        attributed_partner=partner,
        attribution=draft.attribution,
        referral_code=data["partner_code"].lower()[:40],
        referral_slug=draft.referral_slug,
        payment_method=draft.payment_method,
        language=draft.language,
        placed_at=now,
    )
    for _attempt in range(8):
        order.number = order_number_generate(at=timezone.localtime(now))
        try:
            with transaction.atomic():
                order.save(force_insert=True)
            break
        except IntegrityError:
            order.pk = None
            if checkout_token:
                existing = Order.objects.filter(checkout_token=checkout_token).first()
                if existing is not None:
                    return existing  # a concurrent submit of the same checkout won
            if Order.objects.filter(number=order.number).exists():
                continue
            raise
    else:  # pragma: no cover - 31^6 numbers a year
        raise ValidationError(_("Could not number the order. Please try again."))
    for line in draft.lines:
        line.order = order
    OrderLine.objects.bulk_create(draft.lines)
    OrderTransition.objects.create(
        order=order, from_status="", to_status=S.PENDING, note=_("order placed")
    )
    if order_binds_customer(
        partner_id=partner.pk if partner else None, attribution=draft.attribution
    ):
        customer_bind(customer=customer, partner=partner, at=now)

    # The confirmation mail: an outbox row now, sent after commit (or by the sweep
    # when the broker is unreachable), so placing an order never fails on it.
    OrderMail.objects.create(order=order, kind=OrderMail.Kind.CONFIRMATION)
    from .tasks import order_confirmation_enqueue

    transaction.on_commit(partial(order_confirmation_enqueue, order.pk), robust=True)
    return order


def order_payment_reference_set(*, order: Order, reference: str) -> Order:
    """Remember the provider's id of a payment attempt (e.g. a Stripe Checkout Session)."""
    Order.objects.filter(pk=order.pk).update(
        payment_reference=reference[:255], updated_at=timezone.now()
    )
    order.payment_reference = reference[:255]
    return order
