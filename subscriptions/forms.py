from datetime import timedelta

from django import forms
from django.utils.translation import gettext_lazy as _

from orders.cart import MAX_QUANTITY
from orders.forms import CheckoutForm

from .dates import company_today
from .models import Subscription

INTERVAL_CHOICES = Subscription.Interval.choices


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class SubscribeStartForm(forms.Form):
    """The "Als Abo" option on a product page (one product) or in the cart."""

    product = forms.IntegerField(
        min_value=1, max_value=2**31 - 1, required=False, widget=forms.HiddenInput
    )
    quantity = forms.IntegerField(min_value=1, max_value=MAX_QUANTITY, required=False)
    from_cart = forms.BooleanField(required=False, widget=forms.HiddenInput)
    interval = forms.TypedChoiceField(
        label=_("Delivery"), choices=INTERVAL_CHOICES, coerce=int, initial=1, required=False
    )


class SubscribeForm(CheckoutForm):
    """The guest checkout's details plus the schedule and the SEPA mandate."""

    # Subscriptions are for consumers: no company or VAT id (the cycles' orders
    # are invoiced to the person).
    company_name = None
    vat_id = None

    interval = forms.TypedChoiceField(
        label=_("Delivery"), choices=INTERVAL_CHOICES, coerce=int, initial=1
    )
    first_date = forms.DateField(
        label=_("First delivery on"),
        widget=DateInput(),
        help_text=_("Following deliveries come on the same day of the month."),
        error_messages={"invalid": _("Please enter a date, e.g. 2026-12-01.")},
    )
    account_holder = forms.CharField(
        label=_("Account holder"),
        max_length=70,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    iban = forms.CharField(
        label=_("IBAN"),
        max_length=42,
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}
        ),
    )
    accept_mandate = forms.BooleanField(
        label=_("I give the SEPA direct debit mandate shown above."),
        error_messages={"required": _("Please give the mandate: we collect by direct debit.")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["payment_method"]
        today = company_today()
        self.fields["first_date"].initial = today + timedelta(days=1)
        self.fields["first_date"].widget.attrs.update(
            {"min": today.isoformat(), "max": (today + timedelta(days=92)).isoformat()}
        )


class BankForm(forms.Form):
    account_holder = forms.CharField(label=_("Account holder"), max_length=70)
    iban = forms.CharField(
        label=_("IBAN"),
        max_length=42,
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}
        ),
    )
    accept_mandate = forms.BooleanField(
        label=_("I give the SEPA direct debit mandate shown above."),
        error_messages={"required": _("Please give the mandate: we collect by direct debit.")},
    )


class MoveForm(forms.Form):
    next_date = forms.DateField(
        label=_("New date of the next delivery"),
        widget=DateInput(),
        error_messages={"invalid": _("Please enter a date, e.g. 2026-12-01.")},
    )


class CancelForm(forms.Form):
    """§312k BGB: what identifies the contract, nothing more."""

    email = forms.EmailField(
        label=_("E-mail address of the subscription"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        help_text=_("The cancellation is confirmed to this address at once."),
    )
    number = forms.CharField(
        label=_("Subscription number"),
        max_length=16,
        required=False,
        help_text=_("ABO-… from any of our e-mails."),
        widget=forms.TextInput(attrs={"autocapitalize": "characters", "spellcheck": "false"}),
    )
    last_name = forms.CharField(
        label=_("or the last name of the subscription holder"),
        max_length=100,
        required=False,
        help_text=_("Without the number, every subscription of this name and e-mail address ends."),
        widget=forms.TextInput(attrs={"autocomplete": "family-name"}),
    )
    kind = forms.ChoiceField(
        label=_("Kind of cancellation"),
        choices=[
            ("ordinary", _("Ordinary cancellation (at once)")),
            ("extraordinary", _("Extraordinary cancellation (for good cause)")),
        ],
        initial="ordinary",
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("Reason (optional; required for an extraordinary cancellation)"),
        max_length=200,
        required=False,
        widget=forms.TextInput(),
    )

    def clean(self):
        data = super().clean()
        if data.get("kind") == "extraordinary" and not data.get("reason"):
            self.add_error("reason", _("Please give the reason for an extraordinary cancellation."))
        if not (data.get("number") or "").strip() and not (data.get("last_name") or "").strip():
            self.add_error(
                "number",
                _(
                    "Please give the subscription number or the last name of the subscription holder."
                ),
            )
        return data
