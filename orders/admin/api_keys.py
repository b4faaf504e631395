"""Keys of the company's external shops for the order intake API: created
once (the key is shown once), revoked.
"""

from django import forms
from django.contrib import admin, messages
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from ..models import CompanyApiKey
from ..services import company_api_key_create, company_api_key_revoke


class CompanyApiKeyAddForm(forms.ModelForm):
    scopes = forms.MultipleChoiceField(
        label=gettext_lazy("scopes"),
        choices=CompanyApiKey.Scope.choices,
        widget=forms.CheckboxSelectMultiple,
        initial=[CompanyApiKey.Scope.ORDERS_WRITE, CompanyApiKey.Scope.ORDERS_READ],
    )

    class Meta:
        model = CompanyApiKey
        fields = ("name", "source", "scopes")


@admin.register(CompanyApiKey)
class CompanyApiKeyAdmin(admin.ModelAdmin):
    """Create a key (its secret is shown once, on the page after saving) and revoke it."""

    list_display = (
        "name",
        "source",
        "prefix",
        "scope_list",
        "created_at",
        "last_used_at",
        "revoked_at",
    )
    list_filter = ("source", ("revoked_at", admin.EmptyFieldListFilter))
    search_fields = ("name", "source", "prefix")
    actions = ("revoke",)
    readonly_fields = (
        "source",
        "prefix",
        "scope_list",
        "created_by",
        "created_at",
        "last_used_at",
        "revoked_at",
    )
    fields = ("name", *readonly_fields)

    @admin.display(description=gettext_lazy("scopes"))
    def scope_list(self, obj):
        return ", ".join(obj.scopes)

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            kwargs["form"] = CompanyApiKeyAddForm
            kwargs["fields"] = ("name", "source", "scopes")
        return super().get_form(request, obj, **kwargs)

    def get_fields(self, request, obj=None):
        return ("name", "source", "scopes") if obj is None else self.fields

    def get_readonly_fields(self, request, obj=None):
        return () if obj is None else self.readonly_fields

    def has_delete_permission(self, request, obj=None):
        return False  # revoke instead: the key's history stays

    def save_model(self, request, obj, form, change):
        if change:
            obj.save(update_fields=["name"])
            return
        key, raw = company_api_key_create(
            name=form.cleaned_data["name"],
            source=form.cleaned_data["source"],
            scopes=form.cleaned_data["scopes"],
            created_by=request.user,
        )
        for field in ("id", "prefix", "key_hash", "scopes", "created_by_id", "created_at"):
            setattr(obj, field, getattr(key, field))
        obj.secret_shown_once = raw

    def response_add(self, request, obj, post_url_continue=None):
        raw = getattr(obj, "secret_shown_once", None)
        if not raw:
            return super().response_add(request, obj, post_url_continue)
        response = TemplateResponse(
            request,
            "admin/orders/companyapikey/created.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.opts,
                "key": obj,
                "secret": raw,
                "title": _("API key created"),
            },
        )
        response["Cache-Control"] = "no-store"
        return response

    @admin.action(description=gettext_lazy("Revoke selected keys"), permissions=["change"])
    def revoke(self, request, queryset):
        n = 0
        for key in queryset.filter(revoked_at__isnull=True).order_by("pk"):
            company_api_key_revoke(key=key)
            n += 1
        self.message_user(
            request,
            ngettext("%(n)d key revoked.", "%(n)d keys revoked.", n) % {"n": n},
            messages.SUCCESS,
        )
