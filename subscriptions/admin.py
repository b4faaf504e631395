from decimal import Decimal

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.utils.translation import gettext_lazy, ngettext_lazy

from orders.pricing import money
from partners.admin_base import euro

from . import services
from .models import (
    Subscription,
    SubscriptionCycle,
    SubscriptionLine,
    SubscriptionRun,
    SubscriptionTerms,
)
from .pricing import agreed_list_price, subscriber_unit_price


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class LineInline(ReadOnlyInline):
    model = SubscriptionLine
    fields = ("product", "quantity", "unit_price", "new_unit_price", "new_price_from")
    readonly_fields = fields


class CycleInline(ReadOnlyInline):
    model = SubscriptionCycle
    fields = ("cycle_date", "status", "order", "qv")
    readonly_fields = fields


def _each(request, queryset, service, done_message):
    done = 0
    for subscription in queryset.order_by("pk"):
        try:
            service(subscription=subscription)
            done += 1
        except ValidationError as exc:
            messages.error(request, f"{subscription.number}: {' '.join(exc.messages)}")
    if done:
        messages.success(request, done_message % {"count": done})


@admin.register(Subscription)
class SubscriptionAdmin(admin.ModelAdmin):
    """Changed only through the services (customer's link, actions below)."""

    list_display = (
        "number",
        "status",
        "next_date",
        "partner",
        "interval",
        "monthly_value",
        "failure_count",
        "created_at",
    )
    list_filter = ("status", "interval")
    search_fields = ("number", "email", "partner__slug")
    list_select_related = ("partner",)
    date_hierarchy = "created_at"
    inlines = [LineInline, CycleInline]
    readonly_fields = [f.name for f in Subscription._meta.fields if f.name != "token"] + [
        "mandate_reference",
        "monthly_value",
    ]
    exclude = ("token",)
    actions = ["pause_selected", "resume_selected", "cancel_selected"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("mandate")
            .prefetch_related(Prefetch("lines", SubscriptionLine.objects.select_related("product")))
        )

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=gettext_lazy("SEPA mandate"))
    def mandate_reference(self, obj):
        if obj.mandate is None:
            return "–"
        return f"{obj.mandate.reference} · {obj.mandate.iban_masked} · {obj.mandate.signed_at:%Y-%m-%d}"

    @admin.display(description=gettext_lazy("value per month"))
    def monthly_value(self, obj):
        """Goods per month at the subscriber price (shipping left out)."""
        total = Decimal("0")
        for line in obj.lines.all():
            price = agreed_list_price(
                unit_price=line.unit_price,
                new_unit_price=line.new_unit_price,
                new_price_from=line.new_price_from,
                on=obj.next_date,
            )
            unit = subscriber_unit_price(
                list_price=price,
                cv=line.product.cv,
                qv=line.product.qv,
                discount_percent=obj.discount_percent,
            )
            total += unit.price * line.quantity
        return euro(money(total / obj.interval))

    @admin.action(description=gettext_lazy("Pause selected subscriptions"))
    def pause_selected(self, request, queryset):
        _each(
            request,
            queryset,
            services.subscription_pause,
            ngettext_lazy(
                "%(count)d subscription paused.", "%(count)d subscriptions paused.", "count"
            ),
        )

    @admin.action(description=gettext_lazy("Resume selected subscriptions"))
    def resume_selected(self, request, queryset):
        _each(
            request,
            queryset,
            services.subscription_resume,
            ngettext_lazy(
                "%(count)d subscription resumed.", "%(count)d subscriptions resumed.", "count"
            ),
        )

    @admin.action(
        description=gettext_lazy("Cancel selected subscriptions (the customer is e-mailed)")
    )
    def cancel_selected(self, request, queryset):
        _each(
            request,
            queryset,
            services.subscription_cancel,
            ngettext_lazy(
                "%(count)d subscription cancelled.", "%(count)d subscriptions cancelled.", "count"
            ),
        )


@admin.register(SubscriptionRun)
class SubscriptionRunAdmin(admin.ModelAdmin):
    list_display = (
        "run_date",
        "started_at",
        "finished_at",
        "orders_created",
        "prenotifications_sent",
        "price_notices_sent",
        "failures",
    )
    list_filter = ("run_date",)
    readonly_fields = list_display + ("errors",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(SubscriptionTerms)
class SubscriptionTermsAdmin(admin.ModelAdmin):
    list_display = ("__str__", "updated_at")

    def has_add_permission(self, request):
        return not SubscriptionTerms.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False
