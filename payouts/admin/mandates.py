"""SEPA direct-debit mandates, read-only."""

from django.contrib import admin
from django.utils.translation import gettext_lazy

from ..models import DebitMandate
from .base import ReadOnlyAdmin


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
