"""E-mails of the payouts app."""

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from partners.links import site_url

from .models import PayoutProfile


def iban_changed_email_send(*, profile: PayoutProfile) -> None:
    with translation.override(settings.LANGUAGE_CODE):
        context = {
            "partner": profile.partner,
            "iban_masked": profile.iban_masked,
            "changed_at": profile.iban_changed_at,
            "hold_until": profile.hold_until,
            "COMPANY_NAME": settings.COMPANY_NAME,
            "SITE_URL": site_url(),
        }
        subject = _("Your bank details at %(company)s were changed") % {
            "company": settings.COMPANY_NAME
        }
        body = render_to_string("payouts/email/iban_changed.txt", context)
    EmailMessage(subject=subject, body=body, to=[profile.partner.user.email]).send()
