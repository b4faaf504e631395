"""A partner's payout profile: bank details, address and tax status."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from partners.models import Partner


class TaxStatus(models.TextChoices):
    REGULAR = "regular", _("regular (German VAT-registered business)")
    SMALL_BUSINESS = "small_business", _("small business (§19 UStG, no VAT)")
    REVERSE_CHARGE = "reverse_charge", _("business in another EU state (reverse charge)")


class PayoutProfile(models.Model):
    """Where and how a partner is paid. Written only by payouts.services."""

    partner = models.OneToOneField(
        Partner, on_delete=models.PROTECT, related_name="payout_profile", verbose_name=_("partner")
    )
    # Kept apart from the partner's name: banks compare it (Verification of Payee).
    account_holder = models.CharField(_("account holder"), max_length=70, blank=True)
    iban = models.CharField(_("IBAN"), max_length=34, blank=True)  # compact, upper case
    bic = models.CharField(_("BIC"), max_length=11, blank=True)
    company_name = models.CharField(_("business name"), max_length=140, blank=True)
    street = models.CharField(_("street and number"), max_length=140, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=16, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    country = models.CharField(_("country"), max_length=2, default="DE")
    tax_status = models.CharField(
        _("tax status"), max_length=16, choices=TaxStatus.choices, blank=True
    )
    tax_number = models.CharField(_("tax number (Steuernummer)"), max_length=20, blank=True)
    vat_id = models.CharField(_("VAT id"), max_length=20, blank=True)
    iban_changed_at = models.DateTimeField(_("IBAN changed at"), null=True, blank=True)
    # Payouts to this partner wait until then after an IBAN change.
    hold_until = models.DateTimeField(_("payouts held until"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["partner__slug"]
        verbose_name = _("payout profile")
        verbose_name_plural = _("payout profiles")

    def __str__(self):
        return str(self.partner)

    @property
    def iban_masked(self) -> str:
        return iban_mask(self.iban)


def iban_mask(iban: str) -> str:
    """DE89 **** **** **** **30 00: country and check digits, the last four digits."""
    if not iban:
        return ""
    hidden = iban[:4] + "*" * (len(iban) - 8) + iban[-4:]
    return " ".join(hidden[i : i + 4] for i in range(0, len(hidden), 4))
