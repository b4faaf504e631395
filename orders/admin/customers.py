"""Customers and their binding to a partner (rebind with a reason), and the
benefit of ordering with a partner's code.
"""

from django.contrib import admin
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext_lazy

from ..models import Customer, CustomerBindingChange, PartnerCodeBenefit
from ..services import customer_rebind
from .base import ReadOnlyInline, partner_choice_action


class BindingChangeInline(ReadOnlyInline):
    model = CustomerBindingChange
    fk_name = "customer"
    verbose_name_plural = gettext_lazy("binding changes")
    fields = ("created_at", "from_partner", "to_partner", "reason", "changed_by")
    readonly_fields = fields


@admin.register(PartnerCodeBenefit)
class PartnerCodeBenefitAdmin(admin.ModelAdmin):
    """One row: what customers get for a partner's code at checkout."""

    list_display = ("percent", "first_order_only", "updated_at")

    def has_add_permission(self, request):
        return super().has_add_permission(request) and not PartnerCodeBenefit.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        # Straight to the one row (made with "no benefit" on the first visit).
        benefit = PartnerCodeBenefit.objects.order_by("pk").first()
        if benefit is None and self.has_change_permission(request):
            benefit = PartnerCodeBenefit.objects.create()
        if benefit is not None:
            return HttpResponseRedirect(
                reverse("admin:orders_partnercodebenefit_change", args=[benefit.pk])
            )
        return super().changelist_view(request, extra_context)


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ("email", "first_name", "last_name", "bound_partner", "bound_at", "created_at")
    list_select_related = ("bound_partner",)
    list_filter = (("bound_partner", admin.EmptyFieldListFilter), "created_at")
    search_fields = ("email", "last_name", "bound_partner__slug")
    readonly_fields = ("email", "bound_partner", "bound_at", "pseudonymised_at", "created_at")
    fields = (
        "email",
        "first_name",
        "last_name",
        "bound_partner",
        "bound_at",
        "pseudonymised_at",
        "created_at",
    )
    inlines = (BindingChangeInline,)
    actions = ("rebind",)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=gettext_lazy("Bind to another partner…"), permissions=["change"])
    def rebind(self, request, queryset):
        return partner_choice_action(
            self,
            request,
            queryset.order_by("pk"),
            action="rebind",
            field=Customer._meta.get_field("bound_partner"),
            apply=lambda customer, partner, reason: customer_rebind(
                customer=customer, partner=partner, changed_by=request.user, reason=reason
            ),
            label=lambda customer: customer.email,
            empty_help=_("Leave empty to release the customers (bound to no partner)."),
            title=_("Bind customers to another partner"),
            intro=_(
                "Their later orders go to the chosen partner; past orders keep their attribution "
                "(re-attribute them separately if needed). The change is logged."
            ),
            submit_label=_("Bind"),
            done_message=ngettext_lazy(
                "%(n)d customer bound anew.", "%(n)d customers bound anew.", "n"
            ),
        )
