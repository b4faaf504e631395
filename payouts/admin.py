from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, ngettext_lazy

from partners.admin_base import euro_column
from partners.widgets import FileChooser

from .models import (
    DEBIT_RETURN_REASONS,
    RETURN_REASONS,
    BankStatement,
    BankTransaction,
    CreditNote,
    DebitCollection,
    DebitMandate,
    OrderDebit,
    PayoutItem,
    PayoutLog,
    PayoutProfile,
    PayoutRun,
    PayoutRunEntry,
)
from .selectors import credit_note_file, debit_collections_with_outcome, payout_run_left_out
from .services import (
    bank_statement_import,
    bank_transaction_resolve,
    credit_note_cancel,
    debit_collection_approve,
    debit_collection_cancel,
    debit_collection_prepare,
    debit_collection_submit,
    order_debit_return,
    payout_item_release,
    payout_item_return,
    payout_run_approve,
    payout_run_cancel,
    payout_run_mark_paid,
    payout_run_prepare,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Changed only through the services (partner dashboard, imports, runs)."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


def _each(modeladmin, request, queryset, service, done_message, **kwargs):
    """Call a service per selected row; report errors per row, never a 500."""
    done = 0
    for obj in queryset.order_by("pk"):
        try:
            service(request.user, obj, **kwargs)
            done += 1
        except (ValidationError, PermissionDenied) as exc:
            text = " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
            modeladmin.message_user(request, f"{obj}: {text}", messages.ERROR)
    if done:
        modeladmin.message_user(request, done_message % {"n": done}, messages.SUCCESS)


class CancelForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=500)


class ReturnForm(forms.Form):
    reason = forms.ChoiceField(
        label=gettext_lazy("Return reason (ISO code)"),
        choices=[(code, f"{code} – {label}") for code, label in RETURN_REASONS.items()],
    )


class SepaFileAdmin(ReadOnlyAdmin):
    """A payout run or a direct debit collection: its SEPA file (sepa_xml, written
    at approval) linked in the list and downloaded from <pk>/sepa.xml."""

    sepa_format = ""  # "pain.001.001.09", ...

    def sepa_file_name(self, obj) -> str:
        raise NotImplementedError

    @admin.display(description=gettext_lazy("SEPA file"))
    def sepa_file(self, obj):
        if not obj.sepa_sha256:
            return "–"
        info = self.model._meta.app_label, self.model._meta.model_name
        return format_html(
            '<a href="{}">{}</a>',
            reverse("admin:{}_{}_sepa".format(*info), args=[obj.pk]),
            self.sepa_format,
        )

    def get_urls(self):
        info = self.model._meta.app_label, self.model._meta.model_name
        return [
            path(
                "<int:pk>/sepa.xml",
                self.admin_site.admin_view(self.sepa_view),
                name="{}_{}_sepa".format(*info),
            ),
            *super().get_urls(),
        ]

    def sepa_view(self, request, pk):
        obj = self.model._default_manager.filter(pk=pk).first()
        if obj is None or not obj.sepa_sha256 or not self.has_view_permission(request, obj):
            raise Http404
        response = HttpResponse(bytes(obj.sepa_xml), content_type="application/xml")
        response["Content-Disposition"] = f'attachment; filename="{self.sepa_file_name(obj)}"'
        return response


@admin.register(PayoutProfile)
class PayoutProfileAdmin(ReadOnlyAdmin):
    list_display = ("partner", "account_holder", "iban_masked", "tax_status", "hold_until")
    list_filter = ("tax_status", "country")
    search_fields = ("partner__slug", "partner__last_name", "account_holder")
    exclude = ("iban",)
    readonly_fields = ("iban_masked",)

    @admin.display(description=gettext_lazy("IBAN"))
    def iban_masked(self, profile):
        return profile.iban_masked


@admin.register(PayoutLog)
class PayoutLogAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "action", "actor", "partner", "message")
    list_filter = ("action",)
    search_fields = ("partner__slug", "message")


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


# ---------------------------------------------------------- SEPA direct debit


@admin.register(DebitMandate)
class DebitMandateAdmin(ReadOnlyAdmin):
    """Mandates are evidence: shown as given, never edited here."""

    list_display = ("reference", "customer", "account_holder", "iban_masked", "status", "signed_at")
    list_filter = ("status",)
    search_fields = ("reference", "customer__email", "account_holder")
    fields = (
        "reference",
        "customer",
        "account_holder",
        "iban_masked",
        "bic",
        "kind",
        "status",
        "language",
        "creditor_id",
        "signed_at",
        "first_collected_at",
        "last_used_at",
        "revoked_at",
        "evidence_date",
        "mandate_text",
    )
    readonly_fields = fields

    @admin.display(description=gettext_lazy("IBAN"))
    def iban_masked(self, obj):
        return obj.iban_masked


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
