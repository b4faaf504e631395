"""Admin building blocks every app may use (partners is used by all, uses none)."""

from django.contrib import admin


class ReadOnlyAdmin(admin.ModelAdmin):
    """For logs and ledgers: listed and viewed in the admin, never added,
    changed or deleted there (corrections go through the services)."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
