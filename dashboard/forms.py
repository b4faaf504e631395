from django import forms
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

from .selectors import TEAM_SORT_DEFAULT, TEAM_SORTS
from .services import PHOTO_MAX_BYTES, photo_validate


def _photo_help_text() -> str:
    # Formatted when shown, so it follows the visitor's language.
    return _("JPEG, PNG or WebP, at most %(mb)s MB. We resize it for you.") % {
        "mb": PHOTO_MAX_BYTES // (1024 * 1024)
    }


class ProfileForm(forms.Form):
    first_name = forms.CharField(label=_("First name"), max_length=100)
    last_name = forms.CharField(label=_("Last name"), max_length=100)
    photo = forms.FileField(
        label=_("Photo"),
        required=False,
        help_text=lazy(_photo_help_text, str)(),
        # A plain file input: "Remove my photo" is its own checkbox, and Django's
        # ClearableFileInput would add "Currently:" / "Change:" with colons.
        widget=forms.FileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )
    remove_photo = forms.BooleanField(label=_("Remove my photo"), required=False)
    message = forms.CharField(
        label=_("Personal message"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Shown on your landing page, at most 1000 characters."),
    )
    instagram_url = forms.URLField(label=_("Instagram"), required=False, assume_scheme="https")
    tiktok_url = forms.URLField(label=_("TikTok"), required=False, assume_scheme="https")
    youtube_url = forms.URLField(label=_("YouTube"), required=False, assume_scheme="https")
    website_url = forms.URLField(label=_("Website"), required=False, assume_scheme="https")
    phone = forms.CharField(
        label=_("Phone"),
        required=False,
        max_length=30,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
    )
    share_contact = forms.BooleanField(
        label=_("Show my e-mail address and phone number to the partners above me in the team"),
        required=False,
        help_text=_("Only your upline sees them, in their team list. You can withdraw it here."),
    )

    def clean_photo(self):
        photo = self.cleaned_data.get("photo")
        if photo:
            photo_validate(photo)
        return photo or None


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        label=_("Token name"),
        max_length=100,
        help_text=_("What will use it, e.g. “spreadsheet” or “my website”."),
    )


class TeamFilterForm(forms.Form):
    SORT_CHOICES = [
        ("team", _("Team structure, sponsor by sponsor")),
        ("name", _("Name, A to Z")),
        ("-name", _("Name, Z to A")),
        ("-gv", _("GV, highest first")),
        ("gv", _("GV, lowest first")),
        ("-pv", _("PV, highest first")),
        ("pv", _("PV, lowest first")),
        ("-rank", _("Rank, highest first")),
        ("rank", _("Rank, lowest first")),
        ("depth", _("Level, closest first")),
        ("-depth", _("Level, deepest first")),
    ]

    q = forms.CharField(label=_("Name or landing page address"), required=False, max_length=100)
    sort = forms.ChoiceField(label=_("Sort by"), required=False, choices=SORT_CHOICES)
    close = forms.BooleanField(label=_("Only partners close to their next rank"), required=False)

    def cleaned(self) -> dict:
        """The filters, falling back to defaults for anything invalid."""
        if not self.is_valid():
            return {"q": "", "sort": TEAM_SORT_DEFAULT, "close": False}
        sort = self.cleaned_data.get("sort") or TEAM_SORT_DEFAULT
        return {
            "q": self.cleaned_data.get("q") or "",
            "sort": sort if sort in TEAM_SORTS else TEAM_SORT_DEFAULT,
            "close": bool(self.cleaned_data.get("close")),
        }
