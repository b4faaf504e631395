from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from qualification.whatif import NEW, OWN


class SimulateForm(forms.Form):
    """ "+N PV in <leg> / own / a new line". `legs`: (partner id, name) of the
    partner's direct children; any other target is refused."""

    amount = forms.DecimalField(
        label=_("Additional PV"),
        min_value=Decimal("0.01"),
        max_value=Decimal("10000000"),
        max_digits=12,
        decimal_places=2,
    )
    target = forms.ChoiceField(label=_("Where"))

    def __init__(self, *args, legs: list[tuple[int, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["target"].choices = [
            (OWN, _("your own volume")),
            *[(str(pk), _("in %(name)s's team") % {"name": name}) for pk, name in legs],
            (NEW, _("a new line (a new direct partner)")),
        ]

    def target_value(self):
        """OWN, NEW or the leg's partner id (after is_valid())."""
        target = self.cleaned_data["target"]
        return target if target in (OWN, NEW) else int(target)
