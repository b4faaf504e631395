"""Startup checks: the invoice setting and the seller's identifier (EN 16931
BR-CO-26 wants the seller's VAT id on a business customer's e-invoice)."""

from django.conf import settings
from django.core.checks import Error, Warning, register

from .services import ISSUE_ON_PAID, ISSUE_ON_SHIPPED


@register()
def invoice_settings_check(app_configs, **kwargs):
    problems = []
    if settings.INVOICE_ISSUE_ON not in (ISSUE_ON_PAID, ISSUE_ON_SHIPPED):
        problems.append(
            Error(
                f'INVOICE_ISSUE_ON must be "paid" or "shipped", not {settings.INVOICE_ISSUE_ON!r}.',
                id="invoices.E001",
            )
        )
    if not settings.COMPANY_VAT_ID:
        problems.append(
            Warning(
                "COMPANY_VAT_ID is empty: invoices need the company's VAT id or tax number, "
                "and business customers' e-invoices the VAT id (EN 16931 BR-CO-26).",
                id="invoices.W001",
            )
        )
    return problems
