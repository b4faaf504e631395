from django import forms
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from .attribution import partner_code_check
from .cart import MAX_QUANTITY
from .payments import payment_providers_available
from .validators import customer_data_clean, ship_to_choices

CUSTOMER_FIELDS = (
    "email",
    "first_name",
    "last_name",
    "street",
    "postal_code",
    "city",
    "country",
    "company_name",
    "vat_id",
    "partner_code",
)


class CartAddForm(forms.Form):
    product = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
    quantity = forms.IntegerField(
        label=_("Quantity"), min_value=1, max_value=MAX_QUANTITY, initial=1, required=False
    )

    def clean_quantity(self):
        return self.cleaned_data.get("quantity") or 1


class CartUpdateForm(forms.Form):
    product = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
    quantity = forms.IntegerField(
        label=_("Quantity"),
        min_value=0,
        max_value=MAX_QUANTITY,
        error_messages={
            "min_value": _("The quantity cannot be negative (0 removes the product)."),
            "max_value": _("You can order at most %(limit_value)s of a product."),
        },
    )


class CheckoutForm(forms.Form):
    email = forms.EmailField(
        label=_("E-mail"),
        max_length=254,
        help_text=_("We send the order confirmation here."),
        error_messages={
            "invalid": _("Please enter a valid e-mail address, e.g. name@example.com.")
        },
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    first_name = forms.CharField(
        label=_("First name"),
        max_length=100,
        widget=forms.TextInput(attrs={"autocomplete": "given-name"}),
    )
    last_name = forms.CharField(
        label=_("Last name"),
        max_length=100,
        widget=forms.TextInput(attrs={"autocomplete": "family-name"}),
    )
    street = forms.CharField(
        label=_("Street and number"),
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "address-line1"}),
    )
    postal_code = forms.CharField(
        label=_("Postal code"),
        max_length=10,
        widget=forms.TextInput(attrs={"autocomplete": "postal-code"}),
    )
    city = forms.CharField(
        label=_("City"),
        max_length=100,
        widget=forms.TextInput(attrs={"autocomplete": "address-level2"}),
    )
    country = forms.ChoiceField(
        label=_("Country"),
        choices=(),
        help_text=_(
            "Within the EU the prices stay the same and include your country's VAT; "
            "outside the EU you pay without VAT (import charges at the border)."
        ),
        widget=forms.Select(attrs={"autocomplete": "country"}),
    )
    company_name = forms.CharField(
        label=_("Company (optional)"),
        max_length=200,
        required=False,
        help_text=_("Ordering for a business? Its name goes on the invoice."),
        widget=forms.TextInput(attrs={"autocomplete": "organization"}),
    )
    vat_id = forms.CharField(
        label=_("VAT id (optional)"),
        max_length=20,
        required=False,
        help_text=_("Businesses receive their invoice as an e-invoice (ZUGFeRD) as well."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    partner_code = forms.CharField(
        label=_("Partner code (optional)"),
        max_length=40,
        required=False,
        help_text=_("Did a partner recommend us to you? Enter their code here."),
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "none", "spellcheck": "false"}
        ),
    )
    payment_method = forms.ChoiceField(label=_("Payment"), widget=forms.RadioSelect)
    accept_terms = forms.BooleanField(
        label=_("I accept the terms and conditions and have read the cancellation policy."),
        error_messages={"required": _("Please accept the terms and conditions to order.")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        countries = ship_to_choices()
        self.fields["country"].choices = countries
        self.fields["country"].initial = countries[0][0] if countries else ""
        providers = payment_providers_available()
        self.fields["payment_method"].choices = [(p.method, p.label) for p in providers]
        self.fields["payment_method"].initial = providers[0].method
        self.fields["accept_terms"].help_text = format_html(
            '<a href="{}" target="_blank" rel="noopener">{}</a>',
            reverse("landing:terms"),
            _("Read the terms"),
        )

    def clean(self):
        data = super().clean()
        raw = {key: data.get(key, self.data.get(key, "")) for key in CUSTOMER_FIELDS}
        try:
            data.update(customer_data_clean(raw))
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                if field not in self.errors:
                    self.add_error(field, messages)
        if "partner_code" not in self.errors:
            try:
                partner_code_check(code=data.get("partner_code", ""))
            except ValidationError as exc:
                self.add_error("partner_code", exc.message_dict["partner_code"])
        return data

    def customer_data(self) -> dict:
        return {key: self.cleaned_data.get(key, "") for key in CUSTOMER_FIELDS}


class PlaceOrderForm(forms.Form):
    checkout_token = forms.CharField(max_length=64, widget=forms.HiddenInput)


class ReattributeForm(forms.Form):
    """Admin: give orders to another partner (or to the company)."""

    partner_slug = forms.CharField(
        label=_("New partner (code / landing page address)"),
        required=False,
        max_length=40,
        help_text=_("Leave empty to give the orders to the company (no partner)."),
    )
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}))

    def clean_partner_slug(self):
        from partners.selectors import partner_get_by_slug

        slug = (self.cleaned_data.get("partner_slug") or "").strip().lower()
        if not slug:
            return None
        partner = partner_get_by_slug(slug=slug, active_only=False)
        if partner is None:
            raise ValidationError(_("There is no partner with this address."))
        return partner


class RebindForm(ReattributeForm):
    """Admin: bind customers to another partner (or to none)."""

    partner_slug = forms.CharField(
        label=_("New partner (code / landing page address)"),
        required=False,
        max_length=40,
        help_text=_("Leave empty to release the customers (no partner)."),
    )
