from django import template
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from orders.girocode import girocode_png_data_uri, girocode_svg

register = template.Library()


@register.simple_tag
def girocode_inline_svg(payment) -> str:
    """The GiroCode of a prepayment as inline SVG (made by segno, no user markup)."""
    return mark_safe(girocode_svg(payment=payment, title=_("GiroCode for your banking app")))  # noqa: S308


@register.simple_tag
def girocode_png_src(payment) -> str:
    """The GiroCode as a PNG data URI for e-mails."""
    return girocode_png_data_uri(payment=payment)
