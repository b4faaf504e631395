"""The subscriber's price: the discount arithmetic is orders/pricing.py's
(`discounted`: gross prices, Decimal, cents rounded half up)."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from orders.pricing import discounted


@dataclass(frozen=True)
class UnitPrice:
    price: Decimal  # gross, after the subscriber discount
    cv: Decimal
    qv: Decimal


def subscriber_unit_price(
    *, list_price: Decimal, cv: Decimal, qv: Decimal, discount_percent: Decimal
) -> UnitPrice:
    """The subscriber discount lowers the price and, in the same proportion, the
    CV (commissions are paid on what the company earns); the QV stays whole, so a
    subscription qualifies a partner like any order of the same products."""
    return UnitPrice(
        price=discounted(list_price, discount_percent),
        cv=discounted(cv, discount_percent),
        qv=Decimal(qv),
    )


def agreed_list_price(
    *, unit_price: Decimal, new_unit_price: Decimal | None, new_price_from: date | None, on: date
) -> Decimal:
    """The list price of a subscription line on a cycle date: the announced new
    price from its date on, the agreed one before (a rise takes effect only after
    the notice period)."""
    if new_unit_price is not None and new_price_from is not None and on >= new_price_from:
        return new_unit_price
    return unit_price
