from django import forms
from django.utils.translation import gettext_lazy as _


class CampaignForm(forms.Form):
    name = forms.CharField(
        label=_("Campaign name"),
        max_length=100,  # the service says what is wrong with a longer one
        required=False,  # and with an empty one, in its own words
        help_text=_(
            "Lowercase letters, digits, hyphens and underscores, e.g. insta-story-nov. "
            "You get a link that counts its visits and orders."
        ),
    )


class PartnerCodeForm(forms.Form):
    code = forms.CharField(
        label=_("Your partner code"),
        max_length=100,
        required=False,
        help_text=_(
            "Customers type it at checkout, e.g. ANNA10 (case does not matter). "
            "Leave it empty to use your landing page address as your code."
        ),
    )
