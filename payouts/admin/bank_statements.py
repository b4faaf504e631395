"""Bank statements: upload, the lines with what each was matched to, and
the lines that need an admin (resolve with a note).
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from partners.admin_base import euro_column
from partners.widgets import FileChooser

from ..models import BankStatement, BankTransaction
from ..services import bank_statement_import, bank_transaction_resolve
from .base import ReadOnlyAdmin


class StatementUploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Bank statement (CAMT.053 XML or MT940)"),
        widget=FileChooser,
    )


class TransactionInline(admin.TabularInline):
    model = BankTransaction
    fields = ("booking_date", "amount", "counterparty_name", "reference", "status", "order")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(BankStatement)
class BankStatementAdmin(ReadOnlyAdmin):
    list_display = (
        "file_name",
        "format",
        "statement_id",
        "lines_total",
        "lines_new",
        "imported_at",
        "imported_by",
    )
    readonly_fields = (
        "file_name",
        "file_hash",
        "format",
        "account_iban",
        "statement_id",
        "lines_total",
        "lines_new",
        "imported_at",
        "imported_by",
    )
    inlines = [TransactionInline]
    change_list_template = "admin/payouts/bankstatement/change_list.html"

    def get_urls(self):
        return [
            path(
                "upload/",
                self.admin_site.admin_view(self.upload_view),
                name="payouts_bankstatement_upload",
            ),
            *super().get_urls(),
        ]

    def upload_view(self, request):
        if not request.user.has_perm("payouts.add_bankstatement"):
            messages.error(request, _("You may not import bank statements."))
            return redirect("admin:payouts_bankstatement_changelist")
        form = StatementUploadForm(request.POST or None, request.FILES or None)
        status = 200
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                result = bank_statement_import(
                    data=upload.read(), file_name=upload.name, actor=request.user
                )
            except ValidationError as exc:
                form.add_error("file", exc.messages)
            else:
                if result.created:
                    messages.success(
                        request,
                        ngettext(
                            "%(new)d new line imported",
                            "%(new)d new lines imported",
                            result.statement.lines_new,
                        )
                        % {"new": result.statement.lines_new}
                        + ", "
                        + ngettext(
                            "%(known)d was known already.",
                            "%(known)d were known already.",
                            result.skipped,
                        )
                        % {"known": result.skipped},
                    )
                else:
                    messages.warning(
                        request, _("This statement was imported before; nothing changed.")
                    )
                return redirect(
                    reverse("admin:payouts_bankstatement_change", args=[result.statement.pk])
                )
        if form.errors:
            status = 400
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "form": form,
            "title": _("Import a bank statement"),
        }
        return TemplateResponse(
            request, "admin/payouts/bankstatement/upload.html", context, status=status
        )


class NeedsAttentionFilter(admin.SimpleListFilter):
    title = gettext_lazy("needs attention")
    parameter_name = "open"

    def lookups(self, request, model_admin):
        return [("1", gettext_lazy("yes")), ("0", gettext_lazy("no"))]

    def queryset(self, request, queryset):
        needs = {"status__in": BankTransaction.NEEDS_ATTENTION, "resolved_at__isnull": True}
        if self.value() == "1":
            return queryset.filter(**needs)
        if self.value() == "0":
            return queryset.exclude(**needs)
        return queryset


class ResolveForm(forms.ModelForm):
    class Meta:
        model = BankTransaction
        fields = ("resolution_note",)


@admin.register(BankTransaction)
class BankTransactionAdmin(admin.ModelAdmin):
    """Lines are never edited; an admin only says how a listed line was settled."""

    list_display = (
        "booking_date",
        euro_column(BankTransaction, "amount"),
        "counterparty_name",
        "reference",
        "status",
        "order",
        "resolved_at",
    )
    list_filter = (NeedsAttentionFilter, "status")
    search_fields = ("reference", "counterparty_name", "end_to_end_id", "order__number")
    form = ResolveForm

    def get_readonly_fields(self, request, obj=None):
        fields = [f.name for f in BankTransaction._meta.fields if f.name != "resolution_note"]
        if obj is not None and obj.resolved_at is not None:
            fields.append("resolution_note")
        return fields

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        bank_transaction_resolve(
            bank_transaction=obj, actor=request.user, note=form.cleaned_data["resolution_note"]
        )

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect(request.path)
