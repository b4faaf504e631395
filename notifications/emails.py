"""Notification e-mails, in the language the partner chose for them."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from partners.links import site_url
from partners.models import Partner

from .models import Notification


def _links() -> dict:
    site = site_url()
    return {
        "list_url": site + reverse("notifications:list"),
        "settings_url": site + reverse("notifications:settings"),
    }


def notification_email_send(*, notification: Notification, language: str) -> None:
    partner = notification.partner
    with translation.override(language):
        text = notification.text
        subject = f"{settings.COMPANY_NAME}: {text}"
        if len(subject) > 150:
            subject = subject[:149] + "…"
        body = render_to_string(
            "notifications/email/notification.txt",
            {
                "partner": partner,
                "text": text,
                "COMPANY_NAME": settings.COMPANY_NAME,
                **_links(),
            },
        )
    EmailMessage(subject=subject, body=body, to=[partner.user.email]).send()


def digest_email_send(
    *, partner: Partner, notifications: list[Notification], language: str
) -> None:
    with translation.override(language):
        subject = _("%(company)s: your news of the day") % {"company": settings.COMPANY_NAME}
        body = render_to_string(
            "notifications/email/digest.txt",
            {
                "partner": partner,
                "lines": [n.text for n in notifications],
                "COMPANY_NAME": settings.COMPANY_NAME,
                **_links(),
            },
        )
    EmailMessage(subject=subject, body=body, to=[partner.user.email]).send()
