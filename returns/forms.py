from django import forms
from django.utils.translation import gettext_lazy as _

from orders.models import OrderLine


class WithdrawalForm(forms.Form):
    """Art. 11a CRD: only what identifies the customer and the contract."""

    name = forms.CharField(
        label=_("Your name"),
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    reference = forms.CharField(
        label=_("Order or subscription number"),
        max_length=40,
        help_text=_("From your order confirmation, e.g. 2026-AB12CD or ABO-…"),
        widget=forms.TextInput(attrs={"autocapitalize": "characters", "spellcheck": "false"}),
    )
    email = forms.EmailField(
        label=_("E-mail address you ordered with"),
        max_length=254,
        help_text=_("We confirm your withdrawal to this address at once."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )

    def clean_name(self):
        return self.cleaned_data["name"].strip()

    def clean_reference(self):
        return self.cleaned_data["reference"].strip()


class QuantitiesForm(forms.Form):
    """One number field per line (admin: open a return, mark goods received)."""

    def __init__(self, *args, rows: list[tuple[int, str, int, int]], **kwargs):
        """rows: (key, label, initial, maximum)."""
        super().__init__(*args, **kwargs)
        self.rows = rows
        for key, label, initial, maximum in rows:
            self.fields[f"qty_{key}"] = forms.IntegerField(
                label=label, min_value=0, max_value=maximum, initial=initial, required=False
            )

    def quantities(self) -> dict[int, int]:
        return {
            key: self.cleaned_data.get(f"qty_{key}") or 0
            for key, _label, _initial, _maximum in self.rows
            if self.cleaned_data.get(f"qty_{key}")
        }


class ReturnOpenForm(QuantitiesForm):
    reason = forms.ChoiceField(label=_("Reason"))
    note = forms.CharField(label=_("Note"), max_length=255, required=False)

    def __init__(self, *args, reasons, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].choices = reasons


def line_label(line: OrderLine) -> str:
    return f"{line.name} ({line.quantity} x)"
