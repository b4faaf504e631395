"""Read-only: notifications are written by the app's tasks only."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .models import DigestMail, Notification


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ("occurred_at", "partner", "kind", "text_display", "mail", "read_at")
    list_filter = ("kind", "mail", "in_app")
    search_fields = ("partner__slug", "key")
    list_select_related = ("partner",)
    date_hierarchy = "occurred_at"
    show_full_result_count = False

    @admin.display(description=_("text"))
    def text_display(self, obj):
        return obj.text


@admin.register(DigestMail)
class DigestMailAdmin(ReadOnlyAdmin):
    list_display = ("day", "partner", "count", "sent_at")
    list_select_related = ("partner",)
    search_fields = ("partner__slug",)
    show_full_result_count = False
