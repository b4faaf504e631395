"""Credit notes: the PDF and e-invoice, and cancelling by a cancelling note."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.http import Http404, HttpResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext_lazy

from partners.admin_base import euro_column

from ..models import CreditNote
from ..selectors import credit_note_file
from ..services import credit_note_cancel
from .base import ReadOnlyAdmin, _each


class CancelForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=500)


@admin.register(CreditNote)
class CreditNoteAdmin(ReadOnlyAdmin):
    """Credit notes are never edited or deleted; a mistake is cancelled by a
    cancelling credit note (payouts.services.credit_note_cancel)."""

    list_display = (
        "number",
        "kind",
        "partner",
        "issue_date",
        euro_column(CreditNote, "net"),
        euro_column(CreditNote, "vat"),
        euro_column(CreditNote, "gross"),
        "downloads",
    )
    list_filter = ("kind", "year", "tax_status")
    search_fields = ("number", "partner__slug", "partner__last_name")
    exclude = ("pdf", "xml")
    readonly_fields = ("downloads",)
    actions = ("cancel",)

    @admin.action(description=gettext_lazy("Cancel by a cancelling credit note"))
    def cancel(self, request, queryset):
        if not request.user.has_perm("payouts.approve_payoutrun"):
            self.message_user(
                request,
                _("Only admins who approve payouts may cancel credit notes."),
                messages.ERROR,
            )
            return None
        form = CancelForm(request.POST if "apply" in request.POST else None)
        if form.is_bound and form.is_valid():
            _each(
                self,
                request,
                queryset,
                lambda user, note, reason: credit_note_cancel(note=note, actor=user, reason=reason),
                ngettext_lazy(
                    "%(n)d credit note cancelled by a cancelling credit note.",
                    "%(n)d credit notes cancelled by cancelling credit notes.",
                    "n",
                ),
                reason=form.cleaned_data["reason"],
            )
            return None
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Cancel credit notes"),
            "intro": _(
                "Each credit note gets a cancelling credit note with its own number; the "
                "original stays unchanged. A payout not yet paid gets a new credit note with "
                "its next run."
            ),
            "objects": list(queryset),
            "form": form,
            "action": "cancel",
            "action_checkbox_name": ACTION_CHECKBOX_NAME,
            "submit_label": _("Cancel credit notes"),
        }
        return TemplateResponse(request, "admin/action_confirm_base.html", context)

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
