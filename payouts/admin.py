from django.contrib import admin

from .models import PayoutLog, PayoutProfile


class ReadOnlyAdmin(admin.ModelAdmin):
    """Changed only through the services (partner dashboard, runs)."""

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
