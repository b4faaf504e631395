"""Writes on orders: the status machine, refunds, re-attribution, customer binding.

Every transition is one service; admin actions and webhooks call the same ones.
Imported history goes through orders/bulk.py (the bulk variant, same decisions).
Long operations are a pure preparation plus an atomic write: order_prepare /
order_place, refund_prepare / order_refund.
Volume-relevant changes record an OrderEvent and announce it inside the same
transaction (orders/events.py), so downstream apps book atomically.
"""

import hashlib
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from functools import partial

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
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
from .events import order_event_recorded, order_shipped
from .images import image_variants_delete, image_variants_write
from .models import (
    AttributionChange,
    CompanyApiKey,
    Customer,
    CustomerBindingChange,
    IdempotencyKey,
    Order,
    OrderEvent,
    OrderLine,
    OrderMail,
    OrderTransition,
    PartnerCodeBenefit,
    Product,
    Refund,
    RefundLine,
)
from .pricing import Totals, code_discount_percent, discounted, totals_for
from .stock import order_stock_release, stock_problem, stock_reserve
from .validators import customer_data_clean, vat_id_normalise, vat_id_problem

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
    order_shipped.send(sender=Order, order=order)
    return order


@transaction.atomic
def order_cancel(*, order: Order, changed_by=None, reason: str = "") -> Order:
    order = _lock(order)
    _transition(order, S.CANCELLED, changed_by=changed_by, note=reason)
    order.cancelled_at = timezone.now()
    order.save(update_fields=["status", "cancelled_at", "updated_at"])
    order_stock_release(order=order)
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
        elif problem := stock_problem(name=product.name, stock=product.stock, quantity=qty):
            errors[f"line_{pid}"] = problem
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
    campaign: str = ""
    utm: dict | None = None
    discount_percent: Decimal = Decimal("0")
    invoiced_by_shop: bool = False  # an external shop invoices this order itself
    stock_kept_by_shop: bool = False  # an external shop keeps its stock itself: none reserved


def code_benefit_current() -> PartnerCodeBenefit:
    """The customer benefit of partner codes as the admin set it (none until then)."""
    return PartnerCodeBenefit.objects.order_by("pk").first() or PartnerCodeBenefit()


def _code_discount(*, code_partner: Partner | None, email: str, reason: str) -> Decimal:
    """orders.pricing.code_discount_percent for this checkout (reads only)."""
    if code_partner is None:
        return Decimal("0")
    benefit = code_benefit_current()
    if not benefit.percent:
        return Decimal("0")
    earlier = (
        Order.objects.filter(customer__email=email).exclude(status=S.CANCELLED).count()
        if benefit.first_order_only
        else 0
    )
    return code_discount_percent(
        benefit_percent=benefit.percent,
        first_order_only=benefit.first_order_only,
        code_partner_active=code_partner.status == Partner.Status.ACTIVE,
        own_order=reason == Order.Attribution.SELF,
        earlier_orders=earlier,
    )


def _link_of(*, referral: Referral | None, partner: Partner | None) -> tuple[str, dict]:
    """What the order keeps of the link that brought it: the campaign when that
    link was the attributed partner's (a campaign says which of *their* links
    sold), and the utm_* tags in any case."""
    if referral is None:
        return "", {}
    campaign = referral.campaign if partner is not None and referral.slug == partner.slug else ""
    return campaign, dict(referral.utm)


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
    code_partner = None
    if data is not None:
        try:
            code_partner = partner_code_check(code=data["partner_code"])
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
    percent = _code_discount(code_partner=code_partner, email=data["email"], reason=reason)
    campaign, utm = _link_of(referral=referral, partner=partner)
    lines = [
        OrderLine(
            product=products[int(pid)],
            name=products[int(pid)].name,
            sku=products[int(pid)].sku or "",
            unit_price=products[int(pid)].price,
            vat_rate=products[int(pid)].vat_rate,
            # The code's discount lowers the CV with the price; the QV stays whole.
            unit_qv=products[int(pid)].qv,
            unit_cv=discounted(products[int(pid)].cv, percent),
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
        totals=totals_for(
            [(line.unit_price, line.vat_rate, line.quantity) for line in lines],
            discount_percent=percent,
        ),
        qv=sum((line.unit_qv * line.quantity for line in lines), Decimal("0")),
        cv=sum((line.unit_cv * line.quantity for line in lines), Decimal("0")),
        referral_slug=(referral.slug if referral else "")[:40],
        payment_method=payment_method,
        language=(language or "")[:8],
        campaign=campaign,
        utm=utm,
        discount_percent=percent,
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


@transaction.atomic
def order_place_prepared(*, draft: OrderDraft, external_id: str) -> Order:
    """Write an order another app computed with its own prices (a subscription's
    cycle: the subscriber discount), through the same writer as the checkout.
    `external_id` is unique: the same one twice returns the first order."""
    existing = Order.objects.filter(external_id=external_id).first()
    if existing is not None:
        return existing
    return _order_create(draft=draft, checkout_token=None, external_id=external_id)


def _first_order_confirm(customer: Customer) -> None:
    """A first-order discount was priced in: still true now? Two checkouts of one
    new customer at the same moment are serialised on the customer row; the second
    finds the first's order and is sent back to review its (now full) price."""
    Customer.objects.select_for_update().get(pk=customer.pk)
    if Order.objects.filter(customer=customer).exclude(status=S.CANCELLED).exists():
        raise ValidationError(
            {
                "partner_code": _(
                    "The partner code's discount is for a first order, and this e-mail "
                    "address has just ordered. Please check the order's new price."
                )
            }
        )


@transaction.atomic
def _order_create(
    *,
    draft: OrderDraft,
    checkout_token: str | None,
    external_id: str | None = None,
    placed_at=None,
    confirm: bool = True,
) -> Order:
    """Write a prepared order: customer, order (numbered), lines, first
    transition, customer binding; the confirmation mail after commit (not for
    an external shop's order: that shop mails its customer itself)."""
    data, partner = draft.data, draft.partner
    customer = customer_get_or_create(
        email=data["email"], first_name=data["first_name"], last_name=data["last_name"]
    )
    if draft.discount_percent and code_benefit_current().first_order_only:
        _first_order_confirm(customer)
    now = placed_at or timezone.now()
    totals = draft.totals
    order = Order(
        checkout_token=checkout_token or None,
        external_id=external_id or None,
        customer=customer,
        email=data["email"],
        first_name=data["first_name"],
        last_name=data["last_name"],
        street=data["street"],
        postal_code=data["postal_code"],
        city=data["city"],
        country=data["country"],
        company_name=data.get("company_name", "")[:200],
        vat_id=data.get("vat_id", "")[:20],
        invoiced_by_shop=draft.invoiced_by_shop,
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
        campaign=draft.campaign,
        utm=draft.utm or {},
        discount_percent=draft.discount_percent,
        discount=totals.discount,
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
    if not draft.stock_kept_by_shop:
        stock_reserve(lines=draft.lines)
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

    if not confirm:
        return order
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


# --- Orders of the company's external shops (order intake API) -------------

EXTERNAL_ID_MAX = 64


def external_id_for(*, source: str, external_id: str) -> str:
    """Order.external_id of an external shop's order: unique per source."""
    return f"{source}:{external_id}"


@dataclass(frozen=True)
class ExternalLine:
    """A line as the external shop sends it. unit_price is what the customer
    paid (gross); qv/cv None means "the catalogue's, by sku"."""

    sku: str
    quantity: int
    unit_price: Decimal
    name: str = ""
    vat_rate: Decimal | None = None
    qv: Decimal | None = None
    cv: Decimal | None = None


def _external_lines_check(lines: list[ExternalLine]) -> tuple[list[OrderLine], dict[str, str]]:
    """OrderLines (unsaved) for the external lines, or errors keyed "lines.<n>.<field>".
    A known sku gives name, VAT rate, QV and CV from the catalogue where the shop
    sends none; an unknown sku needs the shop to send QV and CV."""
    errors: dict[str, str] = {}
    if not lines:
        return [], {"lines": _("An order needs at least one line.")}
    skus = {line.sku for line in lines if line.sku}
    products = {p.sku: p for p in Product.objects.filter(sku__in=skus)}
    result = []
    valid_rates = {Decimal(value) for value in Product.VatRate.values}
    for n, line in enumerate(lines):
        product = products.get(line.sku)
        if line.quantity < 1:
            errors[f"lines.{n}.quantity"] = _("The quantity must be at least 1.")
        if line.unit_price < 0:
            errors[f"lines.{n}.unit_price"] = _("The unit price must not be negative.")
        for field, value in (("qv", line.qv), ("cv", line.cv)):
            if value is not None and value < 0:
                errors[f"lines.{n}.{field}"] = _("This value must not be negative.")
            elif value is None and product is None:
                errors[f"lines.{n}.{field}"] = _(
                    "The SKU “%(sku)s” is not in the catalogue: please send QV and CV of this line."
                ) % {"sku": line.sku}
        vat_rate = (
            line.vat_rate
            if line.vat_rate is not None
            else (product.vat_rate if product else Decimal(Product.VatRate.STANDARD))
        )
        if vat_rate not in valid_rates:
            errors[f"lines.{n}.vat_rate"] = _("The VAT rate must be 19.00 or 7.00.")
        if any(key.startswith(f"lines.{n}.") for key in errors):
            continue
        result.append(
            OrderLine(
                product=product,
                sku=line.sku,
                name=(line.name or (product.name if product else "") or line.sku)[:200],
                unit_price=line.unit_price,
                vat_rate=vat_rate,
                unit_qv=line.qv if line.qv is not None else product.qv,
                unit_cv=line.cv if line.cv is not None else product.cv,
                quantity=line.quantity,
            )
        )
    return result, errors


def order_external_prepare(
    *,
    customer_data: Mapping[str, str],
    lines: list[ExternalLine],
    partner_code: str = "",
    referral: Referral | None = None,
    shipping: Decimal = Decimal("0"),
    language: str = "",
    ignore_unknown_partner: bool = False,
    invoiced_by_shop: bool = False,
    stock_kept_by_shop: bool = False,
) -> OrderDraft:
    """Pure: check an external shop's order and compute it, attributed by the
    same rules as the own checkout (attribution_resolve, spec 3). The shop's
    prices and shipping fee stand. An unknown, inactive or terminated partner
    code is refused (keyed "partner") unless ignore_unknown_partner: then it
    simply does not attribute (spec 3.6). Raises ValidationError keyed by field."""
    errors: dict[str, str] = {}
    data = {
        key: str(customer_data.get(key) or "").strip()
        for key in ("email", "first_name", "last_name", "street", "postal_code", "city", "country")
    }
    data["email"] = normalize_email(data["email"])
    data["country"] = (data["country"] or "DE").upper()
    data["company_name"] = str(customer_data.get("company_name") or "").strip()
    data["vat_id"] = str(customer_data.get("vat_id") or "").strip()
    try:
        validate_email(data["email"])
    except ValidationError:
        errors["customer.email"] = _("Please give a valid e-mail address, e.g. name@example.com.")
    if len(data["company_name"]) > 200:
        errors["customer.company_name"] = _("Please use at most %(n)d characters.") % {"n": 200}
    if data["vat_id"]:
        problem = vat_id_problem(data["vat_id"])
        if problem:
            errors["customer.vat_id"] = problem
        else:
            data["vat_id"] = vat_id_normalise(data["vat_id"])
    if len(data["country"]) != 2:
        errors["customer.country"] = _("Please give the country as a two-letter code, e.g. DE.")
    for key, limit in (
        ("first_name", 100),
        ("last_name", 100),
        ("street", 200),
        ("city", 100),
        ("postal_code", 10),
    ):
        if len(data[key]) > limit:
            errors[f"customer.{key}"] = _("Please use at most %(n)d characters.") % {"n": limit}
    code = partner_code or ""
    if not ignore_unknown_partner:
        try:
            partner_code_check(code=code)
        except ValidationError as exc:
            errors["partner"] = exc.message_dict["partner_code"][0]
    if shipping < 0:
        errors["shipping"] = _("The shipping fee must not be negative.")
    order_lines, line_errors = _external_lines_check(lines)
    errors.update(line_errors)
    if errors:
        raise ValidationError(errors)

    data["partner_code"] = code.strip()
    partner, reason = attribution_resolve(
        customer_email=data["email"], user=None, code=code, referral=referral
    )
    return OrderDraft(
        data=data,
        partner=partner,
        attribution=reason,
        lines=order_lines,
        totals=totals_for(
            [(line.unit_price, line.vat_rate, line.quantity) for line in order_lines],
            shipping=shipping,
        ),
        qv=sum((line.unit_qv * line.quantity for line in order_lines), Decimal("0")),
        cv=sum((line.unit_cv * line.quantity for line in order_lines), Decimal("0")),
        referral_slug=(referral.slug if referral else "")[:40],
        payment_method=Order.PaymentMethod.EXTERNAL,
        language=(language or "")[:8],
        invoiced_by_shop=invoiced_by_shop,
        stock_kept_by_shop=stock_kept_by_shop,
    )


@transaction.atomic
def order_external_place(
    *, source: str, external_id: str, draft: OrderDraft, placed_at=None
) -> Order:
    """Write an external shop's prepared order (pending until its payment is
    booked). Its external id is unique per source: a second one is refused."""
    external_id = (external_id or "").strip()
    if not external_id or len(external_id) > EXTERNAL_ID_MAX:
        raise ValidationError(
            {
                "external_id": _("Please give the shop's order id (1 to %(n)d characters).")
                % {"n": EXTERNAL_ID_MAX}
            }
        )
    full_id = external_id_for(source=source, external_id=external_id)
    if Order.objects.filter(external_id=full_id).exists():
        message = _("The order “%(id)s” of this shop exists already.") % {"id": external_id}
        raise ValidationError({"external_id": ValidationError(message, code="duplicate")})
    return _order_create(
        draft=draft, checkout_token=None, external_id=full_id, placed_at=placed_at, confirm=False
    )


def idempotency_keys_prune(*, before) -> int:
    """Forget the stored answers of intake API requests made before `before`."""
    deleted, _by_model = IdempotencyKey.objects.filter(created_at__lt=before).delete()
    return deleted


# --- Keys of the company's external shops -----------------------------------

API_KEY_PREFIX = "mlmk_"


def company_api_key_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


@transaction.atomic
def company_api_key_create(
    *, name: str, source: str, scopes: list[str], created_by=None
) -> tuple[CompanyApiKey, str]:
    """A new key; returns it and its secret, which is shown once and never stored."""
    unknown = set(scopes) - set(CompanyApiKey.Scope.values)
    if unknown or not scopes:
        raise ValidationError({"scopes": _("Please choose at least one valid scope.")})
    if not (name or "").strip():
        raise ValidationError({"name": _("Please give the key a name.")})
    raw = API_KEY_PREFIX + secrets.token_urlsafe(32)
    key = CompanyApiKey.objects.create(
        name=name.strip()[:100],
        source=source,
        prefix=raw[: len(API_KEY_PREFIX) + 6],
        key_hash=company_api_key_hash(raw),
        scopes=sorted(set(scopes)),
        created_by=created_by,
    )
    return key, raw


def company_api_key_revoke(*, key: CompanyApiKey) -> CompanyApiKey:
    """Revoke a key at once (idempotent)."""
    CompanyApiKey.objects.filter(pk=key.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    key.refresh_from_db(fields=["revoked_at"])
    return key


# --- Product images ---------------------------------------------------------------


def product_image_refresh(
    *, product: Product, previous_name: str = "", previous_widths=()
) -> Product:
    """After a product's image was stored, replaced or cleared: write the WebP
    copies of the new image, delete those of the previous one, and record sizes
    and widths on the product (the pages read them, not the files)."""
    if previous_name and previous_name != product.image.name:
        image_variants_delete(master_name=previous_name, widths=previous_widths)
    if product.image:
        width, height, widths = image_variants_write(master_name=product.image.name)
    else:
        width, height, widths = None, None, []
    product.image_width, product.image_height, product.image_widths = width, height, widths
    Product.objects.filter(pk=product.pk).update(
        image_width=width, image_height=height, image_widths=widths
    )
    return product
