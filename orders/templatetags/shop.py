from decimal import Decimal

from django import template
from django.utils.formats import number_format

register = template.Library()


@register.filter
def money(value) -> str:
    """29.9 -> "29,90 €" (German) / "29.90 €" (English)."""
    if value in (None, ""):
        return ""
    return f"{number_format(Decimal(value), 2, use_l10n=True, force_grouping=True)}\u00a0€"


@register.filter
def percent(value) -> str:
    """VAT rate 19.00 -> "19 %"."""
    if value in (None, ""):
        return ""
    value = Decimal(value)
    shown = value.to_integral_value() if value == value.to_integral_value() else value.normalize()
    return f"{number_format(shown, use_l10n=True)}\u00a0%"


@register.filter
def stock_badge(product):
    """What the page says of a product's stock: {{ product|stock_badge }} (orders.stock)."""
    from orders.stock import stock_badge as badge

    return badge(getattr(product, "stock", None))
