"""Partners' payout profiles, read-only (partners edit them on their dashboard)."""

from django.contrib import admin
from django.utils.translation import gettext_lazy

from ..models import PayoutProfile
from .base import ReadOnlyAdmin


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
