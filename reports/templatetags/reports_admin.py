from django import template

from orders.selectors import products_low_stock
from orders.stock import low_threshold
from qualification import periods
from reports.selectors import admin_today

register = template.Library()


@register.filter
def period_name(value) -> str:
    """A period as people read it: "November 2026" (qualification.periods.period_name)."""
    return periods.period_name(value)


@register.simple_tag(takes_context=True)
def admin_today_figures(context):
    """Today's figures for the admin home, for staff who may read orders."""
    user = context["request"].user
    if not user.has_perm("orders.view_order"):
        return None
    return admin_today()


@register.simple_tag(takes_context=True)
def may_read_reports(context) -> bool:
    return context["request"].user.has_perm("commissions.view_periodcommissionsummary")


@register.simple_tag(takes_context=True)
def admin_low_stock(context):
    """Products at or below the low-stock threshold, for staff who may see products."""
    if not context["request"].user.has_perm("orders.view_product"):
        return None
    return {"products": products_low_stock(), "threshold": low_threshold()}
