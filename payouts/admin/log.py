"""The payouts log, read-only."""

from django.contrib import admin

from ..models import PayoutLog
from .base import ReadOnlyAdmin


@admin.register(PayoutLog)
class PayoutLogAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "action", "actor", "partner", "message")
    list_filter = ("action",)
    search_fields = ("partner__slug", "message")
