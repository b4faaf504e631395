from django import template

from commissions.wording import money_display

register = template.Library()


@register.filter
def money(value) -> str:
    """12 -> "12,00 €" (de) / "€12.00" (en)."""
    return money_display(value)
