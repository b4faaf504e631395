from django import forms
from django.utils.translation import gettext_lazy as _

from .models import TaxStatus


class PayoutProfileForm(forms.Form):
    """The partner's payout details. Format checks live in the service, so the
    admin and any importer get the same messages."""

    account_holder = forms.CharField(
        label=_("Account holder"),
        max_length=70,
        required=False,
        help_text=_("Exactly as your bank knows it: banks compare the name with the IBAN."),
    )
    iban = forms.CharField(label=_("IBAN"), max_length=42, required=False)
    bic = forms.CharField(label=_("BIC (optional)"), max_length=14, required=False)
    company_name = forms.CharField(
        label=_("Business name (optional)"), max_length=140, required=False
    )
    street = forms.CharField(label=_("Street and number"), max_length=140, required=False)
    postal_code = forms.CharField(label=_("Postal code"), max_length=16, required=False)
    city = forms.CharField(label=_("City"), max_length=100, required=False)
    country = forms.CharField(
        label=_("Country (ISO code)"),
        max_length=2,
        min_length=2,
        initial="DE",
        help_text=_("Two letters, e.g. DE, AT, NL."),
    )
    tax_status = forms.ChoiceField(
        label=_("Tax status"),
        choices=[("", _("Please choose"))] + TaxStatus.choices,
        required=False,
    )
    tax_number = forms.CharField(
        label=_("Tax number (Steuernummer)"), max_length=20, required=False
    )
    vat_id = forms.CharField(label=_("VAT id (USt-IdNr)"), max_length=20, required=False)
    password = forms.CharField(
        label=_("Your password"),
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        help_text=_("Needed only when you enter or change your IBAN."),
    )
