"""Prices as a German shop must show them: gross prices (VAT included), the VAT
contained per rate, and the shipping cost (PAngV). Pure functions on Decimal."""

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


def money(value: Decimal) -> Decimal:
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def vat_contained(gross: Decimal, rate: Decimal) -> Decimal:
    """The VAT inside a gross amount: gross x rate / (100 + rate)."""
    return money(Decimal(gross) * Decimal(rate) / (Decimal("100") + Decimal(rate)))


def cv_proposed(*, price: Decimal, vat_rate: Decimal) -> Decimal:
    """A new product's CV as proposed (commissions.md 1): its net price,
    price / (1 + VAT rate), rounded to the cent."""
    return money(Decimal(price) / (1 + Decimal(vat_rate) / 100))


def shipping_for(subtotal: Decimal) -> Decimal:
    """Flat fee below the free-shipping threshold; nothing to ship costs nothing."""
    if subtotal <= ZERO or subtotal >= settings.SHIPPING_FREE_FROM:
        return ZERO
    return money(settings.SHIPPING_FLAT_FEE)


HUNDRED = Decimal("100")


# --- The customer benefit of a partner code ------------------------------------
# One rule, used by the checkout (order_prepare) and tested in tests/orders:
# - a code of an active partner typed at checkout gives the configured percentage
#   off the goods (not the shipping), if the admin set one (PartnerCodeBenefit);
# - "first order only": only a customer with no earlier order that was not cancelled;
# - never on the partner's own order (a partner's code is for their customers),
#   never for a code of a paused or terminated partner or an unknown one;
# - it lowers the price and the CV of each line by the same percentage and never
#   touches the QV (the partner's qualification does not pay for the discount).


def code_discount_percent(
    *,
    benefit_percent: Decimal,
    first_order_only: bool,
    code_partner_active: bool,
    own_order: bool,
    earlier_orders: int,
) -> Decimal:
    """The percentage off this order for a typed partner code (0 when none applies)."""
    percent = Decimal(benefit_percent or 0)
    if percent <= 0 or not code_partner_active or own_order:
        return ZERO
    if first_order_only and earlier_orders > 0:
        return ZERO
    return min(percent, HUNDRED)


def discounted(amount: Decimal, percent: Decimal) -> Decimal:
    """`amount` less `percent` %, to the cent (a line's CV after a code discount)."""
    if not percent:
        return Decimal(amount)
    return money(Decimal(amount) * (HUNDRED - Decimal(percent)) / HUNDRED)


@dataclass
class Totals:
    subtotal: Decimal = ZERO
    discount: Decimal = ZERO  # off the subtotal (a partner code's benefit)
    shipping: Decimal = ZERO
    total: Decimal = ZERO
    vat_total: Decimal = ZERO
    # rate -> VAT contained in goods and the share of shipping at that rate
    vat_by_rate: dict[Decimal, Decimal] = field(default_factory=dict)


def totals_for(
    lines: list[tuple[Decimal, Decimal, int]],
    *,
    shipping: Decimal | None = None,
    discount_percent: Decimal = ZERO,
) -> Totals:
    """lines: (unit gross price, VAT rate, quantity). Shipping is an ancillary
    service: its VAT is split over the rates in proportion to the goods. The
    shipping fee is the shop's (shipping_for) unless given (an external shop's).
    A discount (percent of the goods) lowers the goods of every rate alike, and
    so the VAT they contain; shipping is charged on the goods before it."""
    gross_by_rate: dict[Decimal, Decimal] = defaultdict(lambda: ZERO)
    for unit_price, rate, quantity in lines:
        gross_by_rate[Decimal(rate)] += money(Decimal(unit_price) * quantity)
    subtotal = sum(gross_by_rate.values(), ZERO)
    shipping = shipping_for(subtotal) if shipping is None else money(shipping)
    discount = ZERO
    if discount_percent:
        # Per rate, rounded there, so the VAT below is that of what is paid.
        for rate in gross_by_rate:
            off = money(gross_by_rate[rate] * Decimal(discount_percent) / HUNDRED)
            gross_by_rate[rate] -= off
            discount += off
    goods = subtotal - discount
    vat_by_rate: dict[Decimal, Decimal] = {}
    shipping_left = shipping
    rates = sorted(gross_by_rate)
    for i, rate in enumerate(rates):
        gross = gross_by_rate[rate]
        if i == len(rates) - 1:
            ship_share = shipping_left
        else:
            ship_share = money(shipping * gross / goods) if goods else ZERO
            shipping_left -= ship_share
        vat_by_rate[rate] = vat_contained(gross + ship_share, rate)
    return Totals(
        subtotal=subtotal,
        discount=discount,
        shipping=shipping,
        total=goods + shipping,
        vat_total=sum(vat_by_rate.values(), ZERO),
        vat_by_rate=vat_by_rate,
    )
