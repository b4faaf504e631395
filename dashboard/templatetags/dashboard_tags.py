from decimal import Decimal

from django import template
from django.http import QueryDict

from dashboard.selectors import volume_display
from qualification import periods

register = template.Library()


@register.filter
def period_name(value) -> str:
    """A period as people read it: "November 2026" (qualification.periods.period_name)."""
    return periods.period_name(value)


@register.filter
def volume(value) -> str:
    """1234.5 -> "1.234,50" (de) / "1,234.50" (en); whole numbers without decimals."""
    if value in (None, ""):
        return volume_display(Decimal(0))
    return volume_display(Decimal(value))


@register.filter
def count(value) -> str:
    """A whole number (e.g. legs) from a Decimal."""
    return str(int(value or 0))


@register.simple_tag(takes_context=True)
def query_with(context, **changes) -> str:
    """The current query string with some parameters replaced (pagination, sort)."""
    request = context["request"]
    query: QueryDict = request.GET.copy()
    for key, value in changes.items():
        if value in (None, ""):
            query.pop(key, None)
        else:
            query[key] = value
    encoded = query.urlencode()
    return f"?{encoded}" if encoded else "?"
