"""What the orders admin pages share: read-only inlines, and the action that
asks for a partner and a reason and applies a service to each selected row.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.widgets import AutocompleteSelect
from django.core.exceptions import ValidationError
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from partners.models import Partner


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class PartnerChoiceForm(forms.Form):
    """Intermediate page of "re-attribute" and "re-bind": a partner (autocomplete,
    empty = the company / no partner) and the reason, which is required."""

    partner = forms.ModelChoiceField(
        queryset=Partner.objects.all(), required=False, label=gettext_lazy("New partner")
    )
    reason = forms.CharField(
        label=gettext_lazy("Reason"), widget=forms.Textarea(attrs={"rows": 3, "cols": 60})
    )

    def __init__(self, *args, model_field, admin_site, empty_help, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["partner"]
        field.widget = AutocompleteSelect(model_field, admin_site)
        field.widget.choices = field.choices
        field.help_text = empty_help

    def clean_partner(self):
        partner = self.cleaned_data.get("partner")
        if partner is not None and partner.status == Partner.Status.TERMINATED:
            raise ValidationError(_("A terminated partner cannot take orders or customers."))
        return partner


def partner_choice_action(
    modeladmin,
    request,
    queryset,
    *,
    action,
    field,
    apply,
    label,
    empty_help,
    title,
    intro,
    submit_label,
    done_message,
):
    """An admin action that asks for a partner and a reason, then applies a
    service to each selected object and reports every refusal by name."""
    form = PartnerChoiceForm(
        request.POST if "apply" in request.POST else None,
        model_field=field,
        admin_site=modeladmin.admin_site,
        empty_help=empty_help,
    )
    if "apply" in request.POST and form.is_valid():
        done = 0
        for obj in queryset:
            try:
                apply(obj, form.cleaned_data["partner"], form.cleaned_data["reason"])
                done += 1
            except ValidationError as exc:
                modeladmin.message_user(
                    request, f"{label(obj)}: {' '.join(exc.messages)}", messages.ERROR
                )
        if done:
            modeladmin.message_user(request, done_message % {"n": done}, messages.SUCCESS)
        return None
    return TemplateResponse(
        request,
        "orders/admin/partner_choice.html",
        {
            **modeladmin.admin_site.each_context(request),
            "opts": modeladmin.model._meta,
            "title": title,
            "intro": intro,
            "objects": queryset,
            "form": form,
            "media": modeladmin.media + form.media,
            "action": action,
            "action_checkbox_name": ACTION_CHECKBOX_NAME,
            "submit_label": submit_label,
        },
    )
