"""Admin building blocks every app may use (partners is used by all, uses none)."""

from decimal import Decimal

from django.contrib import admin
from django.utils.formats import number_format


class ReadOnlyAdmin(admin.ModelAdmin):
    """For logs and ledgers: listed and viewed in the admin, never added,
    changed or deleted there (corrections go through the services)."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


def euro(value) -> str:
    """12345.5 -> "12.345,50 €" (German) / "12,345.50 €" (English); None -> "–"."""
    if value is None:
        return "–"
    return f"{number_format(Decimal(value), 2, use_l10n=True, force_grouping=True)}\u00a0€"


def euro_column(model, field_name: str):
    """A list column for a money field: the amount with the euro sign, sortable,
    titled with the field's (translated) name. list_display = (euro_column(Order, "total"), ...)."""
    field = model._meta.get_field(field_name)

    @admin.display(description=field.verbose_name, ordering=field_name)
    def column(obj):
        return euro(getattr(obj, field_name))

    column.__name__ = f"{field_name}_eur"
    return column
