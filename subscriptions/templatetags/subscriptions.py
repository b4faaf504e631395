from django import template

from ..pricing import subscriber_unit_price
from ..services import subscription_terms

register = template.Library()


@register.simple_tag
def subscriber_offer(product):
    """The subscriber's price of one unit and the discount, for "Als Abo"."""
    percent = subscription_terms().discount_percent
    unit = subscriber_unit_price(
        list_price=product.price, cv=product.cv, qv=product.qv, discount_percent=percent
    )
    return {"percent": percent, "price": unit.price}


@register.simple_tag
def subscriber_discount():
    return subscription_terms().discount_percent
