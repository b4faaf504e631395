from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from .selectors import Choice

CHANNELS = (
    ("in_app", _("In the dashboard")),
    ("email", _("By e-mail")),
    ("digest", _("Daily digest instead of one e-mail each")),
)


class PreferencesForm(forms.Form):
    """A table of kinds x channels: one checkbox per cell, named kind__channel."""

    language = forms.ChoiceField(label=_("Language of the e-mails"), choices=settings.LANGUAGES)

    def __init__(self, *args, choices: list[Choice], **kwargs):
        super().__init__(*args, **kwargs)
        self.rows = []
        for choice in choices:
            cells = []
            for channel, channel_label in CHANNELS:
                name = f"{choice.kind.key}__{channel}"
                self.fields[name] = forms.BooleanField(
                    label=f"{choice.kind.label}: {channel_label}",
                    required=False,
                    initial=getattr(choice, channel),
                )
                cells.append((self[name], channel_label))
            self.rows.append((choice.kind, cells))

    def choices(self) -> dict[str, dict]:
        result: dict[str, dict] = {}
        for name, value in self.cleaned_data.items():
            if "__" in name:
                kind, channel = name.split("__", 1)
                result.setdefault(kind, {})[channel] = value
        return result
