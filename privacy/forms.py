from django import forms
from django.utils.translation import gettext_lazy as _

from .models import SubjectKind


class PasswordConfirmForm(forms.Form):
    password = forms.CharField(
        label=_("Your password"),
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class SubjectByEmailForm(forms.Form):
    """An admin names the person by e-mail address."""

    subject_kind = forms.ChoiceField(label=_("Person"), choices=SubjectKind.choices)
    email = forms.EmailField(label=_("E-mail address"))
