"""Placing an order at checkout: the order number, the cart checked, the
partner-code discount, a pure order_prepare and the atomic order_place (the
one writer of orders, _order_create, shared with the intake API and
subscriptions).
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

from partners.models import Partner

from ..attribution import Referral, attribution_resolve, order_binds_customer, partner_code_check
from ..cart import quantity_problem
from ..models import (
    Customer,
    Order,
    OrderLine,
    OrderMail,
    OrderTransition,
    PartnerCodeBenefit,
    Product,
)
from ..pricing import Totals, code_discount_percent, discounted, totals_for
from ..stock import stock_problem, stock_reserve
from ..taxes import lines_priced, shipping_to
from ..validators import customer_data_clean
from .customers import customer_bind, customer_get_or_create
from .lifecycle import S

# No 0/O, 1/I/L: order numbers are read out on the phone and typed from e-mails.
NUMBER_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


def order_number_generate(*, at=None) -> str:
    """Human-friendly and unique enough to retry on the rare clash: 2026-K7Q4MX."""
    at = at or timezone.localtime()
    return f"{at:%Y}-" + "".join(secrets.choice(NUMBER_ALPHABET) for _ in range(6))


def _cart_lines_check(
    cart_lines: Mapping[int, int], products: Mapping[int, Product] | None = None
) -> tuple[Mapping[int, Product], dict[str, str]]:
    errors: dict[str, str] = {}
    if not cart_lines:
        return {}, {"cart": _("Your cart is empty. Please add a product first.")}
    if products is None:
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
    products: Mapping[int, Product] | None = None,
) -> OrderDraft:
    """Check a checkout and compute the order, writing nothing (it reads
    products and partners; `products`, by id, when the caller has just read the
    cart's products, as the review page has). Name, unit price, VAT rate and unit QV are copied
    from the products now; attribution is resolved once, here. Raises
    ValidationError keyed by field ("email", "postal_code", "partner_code",
    "payment_method", "cart", "line_<product id>")."""
    from ..payments import payment_method_available, payment_method_problem

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
    products, line_errors = _cart_lines_check(cart_lines, products)
    errors.update(line_errors)
    if errors:
        raise ValidationError(errors)

    partner, reason = attribution_resolve(
        customer_email=data["email"],
        user=user,
        code=data["partner_code"],
        referral=referral,
        code_partner=code_partner,
    )
    percent = _code_discount(code_partner=code_partner, email=data["email"], reason=reason)
    campaign, utm = _link_of(referral=referral, partner=partner)
    # Price, VAT rate and CV by the country delivered to (orders.taxes).
    priced = {pid: lines_priced(products[int(pid)], data["country"]) for pid in cart_lines}
    lines = [
        OrderLine(
            product=products[int(pid)],
            name=products[int(pid)].name,
            sku=products[int(pid)].sku or "",
            unit_price=priced[pid][0],
            vat_rate=priced[pid][1],
            # The code's discount lowers the CV with the price; the QV stays whole.
            unit_qv=products[int(pid)].qv,
            unit_cv=discounted(priced[pid][2], percent),
            quantity=qty,
        )
        for pid, qty in sorted(
            cart_lines.items(), key=lambda item: (products[int(item[0])].sort_order, int(item[0]))
        )
    ]
    totals = totals_for(
        [(line.unit_price, line.vat_rate, line.quantity) for line in lines],
        discount_percent=percent,
        shipping=shipping_to(products, cart_lines, data["country"]),
    )
    problem = payment_method_problem(payment_method, country=data["country"], amount=totals.total)
    if problem:
        raise ValidationError({"payment_method": problem})
    return OrderDraft(
        data=data,
        partner=partner,
        attribution=reason,
        lines=lines,
        totals=totals,
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
    from ..tasks import order_confirmation_enqueue

    transaction.on_commit(partial(order_confirmation_enqueue, order.pk), robust=True)
    return order
