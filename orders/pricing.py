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


@dataclass
class Totals:
    subtotal: Decimal = ZERO
    shipping: Decimal = ZERO
    total: Decimal = ZERO
    vat_total: Decimal = ZERO
    # rate -> VAT contained in goods and the share of shipping at that rate
    vat_by_rate: dict[Decimal, Decimal] = field(default_factory=dict)


def totals_for(
    lines: list[tuple[Decimal, Decimal, int]], *, shipping: Decimal | None = None
) -> Totals:
    """lines: (unit gross price, VAT rate, quantity). Shipping is an ancillary
    service: its VAT is split over the rates in proportion to the goods. The
    shipping fee is the shop's (shipping_for) unless given (an external shop's)."""
    gross_by_rate: dict[Decimal, Decimal] = defaultdict(lambda: ZERO)
    for unit_price, rate, quantity in lines:
        gross_by_rate[Decimal(rate)] += money(Decimal(unit_price) * quantity)
    subtotal = sum(gross_by_rate.values(), ZERO)
    shipping = shipping_for(subtotal) if shipping is None else money(shipping)
    vat_by_rate: dict[Decimal, Decimal] = {}
    shipping_left = shipping
    rates = sorted(gross_by_rate)
    for i, rate in enumerate(rates):
        gross = gross_by_rate[rate]
        if i == len(rates) - 1:
            ship_share = shipping_left
        else:
            ship_share = money(shipping * gross / subtotal) if subtotal else ZERO
            shipping_left -= ship_share
        vat_by_rate[rate] = vat_contained(gross + ship_share, rate)
    return Totals(
        subtotal=subtotal,
        shipping=shipping,
        total=subtotal + shipping,
        vat_total=sum(vat_by_rate.values(), ZERO),
        vat_by_rate=vat_by_rate,
    )
