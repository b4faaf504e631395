"""Payout items (return, release) and payout runs: prepare, approve with
four eyes, the SEPA transfer file, paid, cancel.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext_lazy

from partners.admin_base import euro_column

from ..models import RETURN_REASONS, PayoutItem, PayoutLog, PayoutRun, PayoutRunEntry
from ..selectors import payout_run_left_out
from ..services import (
    payout_item_release,
    payout_item_return,
    payout_run_approve,
    payout_run_cancel,
    payout_run_mark_paid,
    payout_run_prepare,
)
from .base import ReadOnlyAdmin, SepaFileAdmin, _each


class ReturnForm(forms.Form):
    reason = forms.ChoiceField(
        label=gettext_lazy("Return reason (ISO code)"),
        choices=[(code, f"{code} – {label}") for code, label in RETURN_REASONS.items()],
    )


@admin.register(PayoutItem)
class PayoutItemAdmin(ReadOnlyAdmin):
    list_display = (
        "partner",
        "statement",
        euro_column(PayoutItem, "net"),
        "status",
        "return_reason",
        "credit_note",
    )
    list_filter = ("status",)
    search_fields = ("partner__slug", "partner__last_name")
    actions = ("mark_returned", "release")

    @admin.action(description=gettext_lazy("Returned by the bank (with reason code)"))
    def mark_returned(self, request, queryset):
        form = ReturnForm(request.POST if "apply" in request.POST else None)
        if form.is_bound and form.is_valid():
            _each(
                self,
                request,
                queryset,
                lambda user, item, reason: payout_item_return(item=item, reason=reason, actor=user),
                ngettext_lazy(
                    "%(n)d payout marked returned.",
                    "%(n)d payouts marked returned.",
                    "n",
                ),
                reason=form.cleaned_data["reason"],
            )
            return None
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Payouts returned by the bank"),
            "intro": _("The credit notes stay; the payouts wait for corrected details."),
            "objects": list(queryset),
            "form": form,
            "action": "mark_returned",
            "action_checkbox_name": ACTION_CHECKBOX_NAME,
            "submit_label": _("Mark returned"),
        }
        return TemplateResponse(request, "admin/action_confirm_base.html", context)

    @admin.action(description=gettext_lazy("Payable again (details fixed)"))
    def release(self, request, queryset):
        _each(
            self,
            request,
            queryset,
            lambda user, item: payout_item_release(item=item, actor=user, note="admin"),
            ngettext_lazy(
                "%(n)d payout is payable again.",
                "%(n)d payouts are payable again.",
                "n",
            ),
        )


class EntryInline(admin.TabularInline):
    model = PayoutRunEntry
    fields = (
        "item",
        "gross",
        "account_holder",
        "iban_masked",
        "end_to_end_id",
        "remittance",
        "outcome",
        "return_reason",
        "note",
    )
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class LogInline(admin.TabularInline):
    model = PayoutLog
    fields = ("created_at", "action", "actor", "message")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(PayoutRun)
class PayoutRunAdmin(SepaFileAdmin):
    list_display = (
        "__str__",
        "status",
        euro_column(PayoutRun, "total"),
        "prepared_by",
        "approved_by",
        "prepared_at",
    )
    list_filter = ("status",)
    exclude = ("sepa_xml", "skipped")
    readonly_fields = (
        "status",
        "total",
        "entry_count",
        "left_out",
        "prepared_by",
        "contributors",
        "prepared_at",
        "approved_by",
        "approved_at",
        "execution_date",
        "sepa_file",
        "sepa_sha256",
        "message_id",
        "payment_info_id",
        "paid_by",
        "paid_at",
        "cancelled_by",
        "cancelled_at",
    )
    inlines = [EntryInline, LogInline]
    actions = ("approve", "cancel", "mark_paid")
    change_list_template = "admin/payouts/payoutrun/change_list.html"

    def get_queryset(self, request):
        return super().get_queryset(request).defer("sepa_xml")

    @admin.display(description=gettext_lazy("transfers"))
    def entry_count(self, obj):
        return obj.entries.exclude(outcome=PayoutRunEntry.Outcome.REMOVED).count()

    @admin.display(description=gettext_lazy("left out (stay payable)"))
    def left_out(self, obj):
        if not obj.skipped:
            return "–"
        return format_html(
            "<ul>{}</ul>",
            format_html_join(
                "",
                "<li>{} ({}, {} €): {}</li>",
                (
                    (s["name"], s["slug"], s["net"], " ".join(s["missing"]))
                    for s in payout_run_left_out(run=obj)
                ),
            ),
        )

    sepa_format = "pain.001.001.09"

    def get_urls(self):
        return [
            path(
                "prepare/",
                self.admin_site.admin_view(self.prepare_view),
                name="payouts_payoutrun_prepare",
            ),
            *super().get_urls(),
        ]

    def prepare_view(self, request):
        if request.method != "POST":
            return redirect("admin:payouts_payoutrun_changelist")
        try:
            run = payout_run_prepare(actor=request.user)
        except PermissionDenied as exc:
            messages.error(request, str(exc))
            return redirect("admin:payouts_payoutrun_changelist")
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect("admin:payouts_payoutrun_changelist")
        messages.success(
            request,
            _("Payout run prepared: %(total)s EUR. Another admin must approve it.")
            % {"total": run.total},
        )
        return redirect("admin:payouts_payoutrun_change", run.pk)

    def sepa_file_name(self, run):
        return f"payout-run-{run.pk}-{self.sepa_format}.xml"

    @admin.action(description=gettext_lazy("Approve (four eyes) and write the SEPA file"))
    def approve(self, request, queryset):
        _each(
            self,
            request,
            queryset,
            lambda user, run: payout_run_approve(run=run, actor=user),
            ngettext_lazy(
                "%(n)d payout run approved; credit notes issued.",
                "%(n)d payout runs approved; credit notes issued.",
                "n",
            ),
        )

    @admin.action(description=gettext_lazy("Cancel (before approval)"))
    def cancel(self, request, queryset):
        _each(
            self,
            request,
            queryset,
            lambda user, run: payout_run_cancel(run=run, actor=user),
            ngettext_lazy(
                "%(n)d payout run cancelled.",
                "%(n)d payout runs cancelled.",
                "n",
            ),
        )

    @admin.action(description=gettext_lazy("Mark paid (the bank confirmed)"))
    def mark_paid(self, request, queryset):
        _each(
            self,
            request,
            queryset,
            lambda user, run: payout_run_mark_paid(run=run, actor=user),
            ngettext_lazy(
                "%(n)d payout run marked paid.",
                "%(n)d payout runs marked paid.",
                "n",
            ),
        )
