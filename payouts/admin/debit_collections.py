"""Order debits (return one by hand) and direct-debit collections: prepare for
a date, approve with four eyes, the SEPA direct-debit file, submit, cancel.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, ngettext_lazy

from partners.admin_base import euro_column

from ..models import DEBIT_RETURN_REASONS, DebitCollection, OrderDebit
from ..selectors import debit_collections_with_outcome
from ..services import (
    debit_collection_approve,
    debit_collection_cancel,
    debit_collection_prepare,
    debit_collection_submit,
    order_debit_return,
)
from .base import ReadOnlyAdmin, SepaFileAdmin, _each


class DebitReturnForm(forms.Form):
    reason = forms.ChoiceField(
        label=gettext_lazy("Return reason (ISO code)"),
        choices=[(code, f"{code} – {label}") for code, label in DEBIT_RETURN_REASONS.items()],
    )


@admin.register(OrderDebit)
class OrderDebitAdmin(ReadOnlyAdmin):
    list_display = (
        "order",
        euro_column(OrderDebit, "amount"),
        "due_date",
        "sequence_type",
        "status",
        "collection",
        "return_reason",
    )
    list_filter = ("status", "sequence_type")
    search_fields = ("order__number", "mandate__reference", "order__email")
    actions = ("mark_returned",)

    @admin.action(description=gettext_lazy("Returned by the bank (with reason code)"))
    def mark_returned(self, request, queryset):
        if not request.user.has_perm("payouts.approve_debitcollection"):
            self.message_user(
                request, _("You may not record returned direct debits."), messages.ERROR
            )
            return None
        form = DebitReturnForm(request.POST if "apply" in request.POST else None)
        if form.is_bound and form.is_valid():
            _each(
                self,
                request,
                queryset,
                lambda user, debit, reason: order_debit_return(
                    debit=debit, reason=reason, actor=user, note="admin"
                ),
                ngettext_lazy(
                    "%(n)d direct debit marked returned; its order was refunded.",
                    "%(n)d direct debits marked returned; their orders were refunded.",
                    "n",
                ),
                reason=form.cleaned_data["reason"],
            )
            return None
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Direct debits returned by the bank"),
            "intro": _(
                "Each order is refunded (its volume taken back), the customer gets an e-mail; "
                "the partner pays no fee."
            ),
            "objects": list(queryset),
            "form": form,
            "action": "mark_returned",
            "action_checkbox_name": ACTION_CHECKBOX_NAME,
            "submit_label": _("Mark returned"),
        }
        return TemplateResponse(request, "admin/action_confirm_base.html", context)


class DebitInline(admin.TabularInline):
    model = OrderDebit
    fields = ("order", "amount", "sequence_type", "status", "due_date", "return_reason")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class CollectionDateForm(forms.Form):
    collection_date = forms.DateField(
        label=gettext_lazy("Collection date"),
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=gettext_lazy(
            "A TARGET2 business day, at the earliest the business day after the file "
            "reaches the bank."
        ),
    )


@admin.register(DebitCollection)
class DebitCollectionAdmin(SepaFileAdmin):
    list_display = (
        "collection_date",
        "status",
        "count",
        "outcome",
        euro_column(DebitCollection, "total"),
        "prepared_by",
        "approved_by",
        "submitted_at",
    )
    list_filter = ("status",)
    exclude = ("sepa_xml", "batches")
    readonly_fields = (
        "collection_date",
        "status",
        "count",
        "outcome",
        "total",
        "prepared_by",
        "contributors",
        "prepared_at",
        "approved_by",
        "approved_at",
        "sepa_file",
        "sepa_sha256",
        "message_id",
        "submitted_by",
        "submitted_at",
        "cancelled_at",
    )
    inlines = [DebitInline]
    actions = ("approve", "mark_submitted", "cancel")
    change_list_template = "admin/payouts/debitcollection/change_list.html"

    def get_queryset(self, request):
        return debit_collections_with_outcome(super().get_queryset(request).defer("sepa_xml"))

    @admin.display(description=gettext_lazy("outcome"))
    def outcome(self, collection):
        """What the bank did with a submitted collection's debits, so finance
        sees which collections are settled and which still wait."""
        if collection.status != DebitCollection.Status.SUBMITTED:
            return "–"
        return _("%(collected)d collected, %(returned)d returned, %(open)d open") % {
            "collected": collection.debits_collected,
            "returned": collection.debits_returned,
            "open": collection.debits_open,
        }

    sepa_format = "pain.008.001.08"

    def get_urls(self):
        return [
            path(
                "prepare/",
                self.admin_site.admin_view(self.prepare_view),
                name="payouts_debitcollection_prepare",
            ),
            *super().get_urls(),
        ]

    def prepare_view(self, request):
        form = CollectionDateForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                collection = debit_collection_prepare(
                    collection_date=form.cleaned_data["collection_date"], actor=request.user
                )
            except PermissionDenied as exc:
                messages.error(request, str(exc))
                return redirect("admin:payouts_debitcollection_changelist")
            except ValidationError as exc:
                if hasattr(exc, "error_dict"):
                    for field, errors in exc.message_dict.items():
                        form.add_error(field if field in form.fields else None, errors)
                else:
                    form.add_error(None, exc.messages)
            else:
                messages.success(
                    request,
                    ngettext(
                        "Collection prepared: %(count)d debit, %(total)s EUR. "
                        "Another admin must approve it.",
                        "Collection prepared: %(count)d debits, %(total)s EUR. "
                        "Another admin must approve it.",
                        collection.count,
                    )
                    % {"count": collection.count, "total": collection.total},
                )
                return redirect("admin:payouts_debitcollection_change", collection.pk)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Prepare a direct debit collection"),
            "form": form,
        }
        return TemplateResponse(
            request,
            "admin/payouts/debitcollection/prepare.html",
            context,
            status=400 if form.errors else 200,
        )

    def sepa_file_name(self, collection):
        return f"direct-debits-{collection.collection_date}-{self.sepa_format}.xml"

    @admin.action(description=gettext_lazy("Approve (four eyes) and write the SEPA file"))
    def approve(self, request, queryset):
        _each(
            self,
            request,
            queryset,
            lambda user, c: debit_collection_approve(collection=c, actor=user),
            ngettext_lazy(
                "%(n)d collection approved; download its SEPA file.",
                "%(n)d collections approved; download their SEPA files.",
                "n",
            ),
        )

    @admin.action(description=gettext_lazy("Mark submitted (the file went to the bank)"))
    def mark_submitted(self, request, queryset):
        _each(
            self,
            request,
            queryset,
            lambda user, c: debit_collection_submit(collection=c, actor=user),
            ngettext_lazy(
                "%(n)d collection marked submitted.",
                "%(n)d collections marked submitted.",
                "n",
            ),
        )

    @admin.action(description=gettext_lazy("Cancel (before submission)"))
    def cancel(self, request, queryset):
        _each(
            self,
            request,
            queryset,
            lambda user, c: debit_collection_cancel(collection=c, actor=user),
            ngettext_lazy(
                "%(n)d collection cancelled; its debits are scheduled again.",
                "%(n)d collections cancelled; their debits are scheduled again.",
                "n",
            ),
        )
