import json

from django import forms
from django.utils.translation import gettext_lazy as _

from partners.widgets import FileChooser

from .selectors import sandbox_closed_periods

MAX_PLAN_BYTES = 1_000_000


class PeriodChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return obj.label


class SandboxRunForm(forms.Form):
    file = forms.FileField(
        label=_("Draft plan file (JSON)"),
        required=False,
        widget=FileChooser(attrs={"accept": ".json"}),
    )
    text = forms.CharField(
        label=_("… or paste the draft plan (JSON)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 12, "cols": 80, "spellcheck": "false"}),
    )
    periods = PeriodChoiceField(
        label=_("Closed periods"),
        queryset=sandbox_closed_periods(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Please choose at least one closed period.")},
    )

    def clean(self):
        cleaned = super().clean()
        upload, text = cleaned.get("file"), (cleaned.get("text") or "").strip()
        if upload and text:
            raise forms.ValidationError(
                _("Please either upload a file or paste the plan, not both.")
            )
        if upload:
            if upload.size > MAX_PLAN_BYTES:
                raise forms.ValidationError(_("The plan file is larger than 1 MB."))
            raw = upload.read()
            try:
                text = raw.decode("utf-8-sig")
            except UnicodeDecodeError:
                raise forms.ValidationError(_("The plan file must be UTF-8 text.")) from None
        if not text:
            raise forms.ValidationError(_("Please upload a draft plan file or paste its JSON."))
        try:
            cleaned["plan"] = json.loads(text)
        except json.JSONDecodeError as error:
            raise forms.ValidationError(
                _("The draft is not valid JSON (line %(line)s, column %(column)s: %(error)s).")
                % {"line": error.lineno, "column": error.colno, "error": error.msg}
            ) from None
        return cleaned
