"""{% order_documents order as documents %} and {% order_documents_token order as token %}
for pages of the orders app (the confirmation page) that show an order's invoices."""

from django import template

from invoices.selectors import order_documents, order_documents_token

register = template.Library()


@register.simple_tag(name="order_documents")
def order_documents_tag(order):
    return order_documents(order=order)


@register.simple_tag(name="order_documents_token")
def order_documents_token_tag(order):
    return order_documents_token(order=order)
