from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .models import (
    BankStatement,
    BankTransaction,
    CreditNote,
    PayoutItem,
    PayoutLog,
    PayoutProfile,
)
from .selectors import credit_note_file
from .services import bank_statement_import, bank_transaction_resolve


class ReadOnlyAdmin(admin.ModelAdmin):
    """Changed only through the services (partner dashboard, imports, runs)."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(PayoutProfile)
class PayoutProfileAdmin(ReadOnlyAdmin):
    list_display = ("partner", "account_holder", "iban_masked", "tax_status", "hold_until")
    list_filter = ("tax_status", "country")
    search_fields = ("partner__slug", "partner__last_name", "account_holder")
    exclude = ("iban",)
    readonly_fields = ("iban_masked",)


@admin.register(PayoutLog)
class PayoutLogAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "action", "actor", "partner", "message")
    list_filter = ("action",)
    search_fields = ("partner__slug", "message")


class StatementUploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Bank statement (CAMT.053 XML or MT940)"),
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
                        _("%(new)d new lines imported, %(known)d were known already.")
                        % {"new": result.statement.lines_new, "known": result.skipped},
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
        "amount",
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


@admin.register(CreditNote)
class CreditNoteAdmin(ReadOnlyAdmin):
    """Credit notes are never edited or deleted; a mistake is cancelled by a
    cancelling credit note (payouts.services.credit_note_cancel)."""

    list_display = ("number", "kind", "partner", "issue_date", "net", "vat", "gross", "downloads")
    list_filter = ("kind", "year", "tax_status")
    search_fields = ("number", "partner__slug", "partner__last_name")
    exclude = ("pdf", "xml")
    readonly_fields = ("downloads",)

    def get_queryset(self, request):
        return super().get_queryset(request).defer("pdf", "xml")

    @admin.display(description=gettext_lazy("files"))
    def downloads(self, obj):
        return format_html(
            '<a href="{}">PDF</a> · <a href="{}">XML</a>',
            reverse("admin:payouts_creditnote_file", args=[obj.number, "pdf"]),
            reverse("admin:payouts_creditnote_file", args=[obj.number, "xml"]),
        )

    def get_urls(self):
        return [
            path(
                "file/<str:number>.<str:kind>",
                self.admin_site.admin_view(self.file_view),
                name="payouts_creditnote_file",
            ),
            *super().get_urls(),
        ]

    def file_view(self, request, number, kind):
        if not self.has_view_permission(request):
            raise Http404
        found = credit_note_file(number=number, kind=kind)
        if found is None:
            raise Http404
        content, content_type, file_name = found
        response = HttpResponse(content, content_type=content_type)
        response["Content-Disposition"] = f'attachment; filename="{file_name}"'
        return response


@admin.register(PayoutItem)
class PayoutItemAdmin(ReadOnlyAdmin):
    list_display = ("partner", "statement", "net", "status", "return_reason", "credit_note")
    list_filter = ("status",)
    search_fields = ("partner__slug", "partner__last_name")
