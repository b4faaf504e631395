"""E-mails to customers about their orders, in the language they ordered in."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from .models import Order
from .payments import payment_instructions


def order_confirmation_email_send(*, order: Order) -> None:
    language = order.language or settings.LANGUAGE_CODE
    with translation.override(language):
        context = {
            "order": order,
            "lines": list(order.lines.all()),
            "COMPANY_NAME": settings.COMPANY_NAME,
            "SITE_URL": settings.SITE_URL,
            "payment": payment_instructions(order=order),
        }
        subject = _("Your order %(number)s at %(company)s") % {
            "number": order.number,
            "company": settings.COMPANY_NAME,
        }
        text = render_to_string("orders/email/confirmation.txt", context)
        html = render_to_string("orders/email/confirmation.html", context)
    message = EmailMultiAlternatives(subject=subject, body=text, to=[order.email])
    message.attach_alternative(html, "text/html")
    message.send()
