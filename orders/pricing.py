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


@dataclass(frozen=True)
class RateShare:
    """One VAT rate of a sale, in gross euros (what a German shop shows): the goods
    at that rate, the partner code's discount off them, the share of the shipping,
    what is paid at that rate, the VAT it contains and its net amount."""

    rate: Decimal
    goods: Decimal  # before the discount
    discount: Decimal
    shipping: Decimal
    gross: Decimal  # goods - discount + shipping
    vat: Decimal
    net: Decimal  # gross - vat


def vat_breakdown(
    lines: list[tuple[Decimal, Decimal, int]],
    *,
    shipping: Decimal,
    discount_percent: Decimal = ZERO,
) -> list[RateShare]:
    """lines: (unit gross price, VAT rate, quantity), by rate ascending. Shipping
    is an ancillary service: its VAT is split over the rates in proportion to the
    goods (after the discount; the last rate takes the remaining cent). A discount
    (percent of the goods) lowers the goods of every rate alike, rounded per rate,
    so the VAT is that of what is paid. Invoices and the checkout read this."""
    goods_by_rate: dict[Decimal, Decimal] = defaultdict(lambda: ZERO)
    for unit_price, rate, quantity in lines:
        goods_by_rate[Decimal(rate)] += money(Decimal(unit_price) * quantity)
    shipping = money(shipping)
    off_by_rate = {
        rate: money(goods * Decimal(discount_percent) / HUNDRED) if discount_percent else ZERO
        for rate, goods in goods_by_rate.items()
    }
    paid_goods = sum(goods_by_rate.values(), ZERO) - sum(off_by_rate.values(), ZERO)
    shares = []
    shipping_left = shipping
    rates = sorted(goods_by_rate)
    for i, rate in enumerate(rates):
        goods = goods_by_rate[rate] - off_by_rate[rate]
        if i == len(rates) - 1:
            ship_share = shipping_left
        else:
            ship_share = money(shipping * goods / paid_goods) if paid_goods else ZERO
            shipping_left -= ship_share
        gross = goods + ship_share
        vat = vat_contained(gross, rate)
        shares.append(
            RateShare(
                rate=rate,
                goods=goods_by_rate[rate],
                discount=off_by_rate[rate],
                shipping=ship_share,
                gross=gross,
                vat=vat,
                net=gross - vat,
            )
        )
    return shares


def totals_for(
    lines: list[tuple[Decimal, Decimal, int]],
    *,
    shipping: Decimal | None = None,
    discount_percent: Decimal = ZERO,
) -> Totals:
    """lines: (unit gross price, VAT rate, quantity). The shipping fee is the
    shop's (shipping_for, on the goods before the discount) unless given (an
    external shop's); VAT per rate as vat_breakdown splits it."""
    subtotal = sum((money(Decimal(p) * q) for p, _rate, q in lines), ZERO)
    shipping = shipping_for(subtotal) if shipping is None else money(shipping)
    shares = vat_breakdown(lines, shipping=shipping, discount_percent=discount_percent)
    discount = sum((share.discount for share in shares), ZERO)
    vat_by_rate = {share.rate: share.vat for share in shares}
    return Totals(
        subtotal=subtotal,
        discount=discount,
        shipping=shipping,
        total=subtotal - discount + shipping,
        vat_total=sum(vat_by_rate.values(), ZERO),
        vat_by_rate=vat_by_rate,
    )
