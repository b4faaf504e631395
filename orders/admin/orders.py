"""Orders: the list with what needs attention, the order page with its lines,
transitions, refunds and attribution changes, and the actions (mark paid,
ship, cancel, refund in full or in part, re-attribute, send the confirmation
again, refund a payment that came after the cancellation). Every change goes through orders.services.
"""

import stripe
from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, ngettext_lazy

from partners.admin_base import euro_column

from ..emails import order_confirmation_email_send
from ..models import AttributionChange, Order, OrderLine, OrderTransition, Refund
from ..services import (
    order_cancel,
    order_late_payment_refund,
    order_mark_paid,
    order_reattribute,
    order_refund,
    order_ship,
)
from ..templatetags.shop import money
from .base import ReadOnlyInline, partner_choice_action


class OrderLineInline(ReadOnlyInline):
    model = OrderLine
    fields = (
        "name",
        "unit_price",
        "vat_rate",
        "unit_qv",
        "unit_cv",
        "quantity",
        "refunded_quantity",
        "line_total_display",
    )
    readonly_fields = fields

    @admin.display(description=gettext_lazy("line total"))
    def line_total_display(self, obj):
        return money(obj.line_total)


class OrderTransitionInline(ReadOnlyInline):
    model = OrderTransition
    verbose_name_plural = gettext_lazy("history")
    fields = ("created_at", "from_status", "to_status", "note", "changed_by")
    readonly_fields = fields


class RefundInline(ReadOnlyInline):
    model = Refund
    fields = (
        "refunded_at",
        "amount",
        "qv",
        "cv",
        "is_full",
        "reason",
        "provider_reference",
        "created_by",
    )
    readonly_fields = fields


class AttributionChangeInline(ReadOnlyInline):
    model = AttributionChange
    fk_name = "order"
    verbose_name_plural = gettext_lazy("attribution changes")
    fields = ("created_at", "from_partner", "to_partner", "reason", "changed_by")
    readonly_fields = fields


class PartialRefundForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=255)

    def __init__(self, *args, lines, **kwargs):
        super().__init__(*args, **kwargs)
        self.lines = lines
        for line in lines:
            left = line.quantity - line.refunded_quantity
            self.fields[f"line_{line.pk}"] = forms.IntegerField(
                label=f"{line.name} ({money(line.unit_price)})",
                min_value=0,
                max_value=left,
                initial=0,
                required=False,
                help_text=_("still refundable: %(left)d of %(qty)d")
                % {"left": left, "qty": line.quantity},
            )

    def quantities(self) -> dict[int, int]:
        result = {}
        for line in self.lines:
            qty = self.cleaned_data.get(f"line_{line.pk}") or 0
            if qty:
                result[line.pk] = qty
        return result


class NeedsAttentionFilter(admin.SimpleListFilter):
    title = gettext_lazy("needs attention")
    parameter_name = "attention"

    def lookups(self, request, model_admin):
        return [("late_payment", gettext_lazy("Payment received after cancellation"))]

    def queryset(self, request, queryset):
        if self.value() == "late_payment":
            return queryset.exclude(late_payment_reference="").filter(
                late_payment_refunded_at__isnull=True
            )
        return queryset


LATE_PAYMENT_FIELDS = (
    "late_payment_reference",
    "late_payment_amount",
    "late_payment_received_at",
    "late_payment_refunded_at",
)


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    list_display = (
        "number",
        "status",
        "partner_display",
        "email",
        euro_column(Order, "total"),
        "qv",
        euro_column(Order, "cv"),
        "attribution",
        "placed_at",
    )  # fits 1366 px; the payment method is a filter and on the order
    list_filter = (
        NeedsAttentionFilter,
        "status",
        "attribution",
        "payment_method",
        ("placed_at", admin.DateFieldListFilter),
    )
    search_fields = (
        "number",
        "external_id",
        "email",
        "attributed_partner__slug",
        "payment_reference",
    )
    list_select_related = ("attributed_partner",)
    date_hierarchy = "placed_at"
    ordering = ("-placed_at",)
    inlines = (OrderLineInline, OrderTransitionInline, RefundInline, AttributionChangeInline)
    actions = (
        "mark_paid",
        "ship",
        "cancel",
        "refund_full",
        "reattribute",
        "partial_refund",
        "refund_late_payment",
        "resend_confirmation",
    )
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "number",
                    "status",
                    "placed_at",
                    "paid_at",
                    "shipped_at",
                    "cancelled_at",
                    "refunded_at",
                )
            },
        ),
        (
            gettext_lazy("Attribution"),
            {
                "fields": (
                    "attributed_partner",
                    "attribution",
                    "referral_code",
                    "referral_slug",
                    "campaign",
                    "utm",
                    "customer",
                ),
                "description": gettext_lazy(
                    "Why the order belongs to this partner: the reason, the code typed at "
                    "checkout and the landing page the visitor came from."
                ),
            },
        ),
        (
            gettext_lazy("Customer"),
            {
                "fields": (
                    "email",
                    "first_name",
                    "last_name",
                    "street",
                    "postal_code",
                    "city",
                    "country",
                    "language",
                )
            },
        ),
        (
            gettext_lazy("Amounts"),
            {
                "fields": (
                    "subtotal",
                    "discount_percent",
                    "discount",
                    "shipping",
                    "total",
                    "vat_total",
                    "currency",
                    "qv",
                    "cv",
                )
            },
        ),
        (
            gettext_lazy("Payment"),
            {"fields": ("payment_method", "payment_reference", "refund_link")},
        ),
    )

    def get_readonly_fields(self, request, obj=None):
        # Orders change only through the actions (services), never by editing.
        return [f for fs in self.fieldsets for f in fs[1]["fields"]] + list(LATE_PAYMENT_FIELDS)

    def get_fieldsets(self, request, obj=None):
        fieldsets = list(self.fieldsets)
        if obj is not None and obj.late_payment_reference:
            fieldsets.append(
                (
                    gettext_lazy("Payment received after cancellation"),
                    {
                        "fields": LATE_PAYMENT_FIELDS,
                        "description": gettext_lazy(
                            "The customer paid after the order was cancelled. Refund the "
                            "payment with the action “Refund the payment received after "
                            "cancellation” in the order list."
                        ),
                    },
                )
            )
        # The refund button only for staff who may change orders (money and volume).
        if self.has_change_permission(request, obj):
            return fieldsets
        return [
            (name, {**options, "fields": [f for f in options["fields"] if f != "refund_link"]})
            for name, options in fieldsets
        ]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=gettext_lazy("partner"), ordering="attributed_partner__slug")
    def partner_display(self, obj):
        return obj.attributed_partner.slug if obj.attributed_partner else "–"

    @admin.display(description=gettext_lazy("refund lines"))
    def refund_link(self, obj):
        if obj.pk and obj.status in (Order.Status.PAID, Order.Status.SHIPPED):
            return format_html(
                '<a class="button" href="{}">{}</a>',
                reverse("admin:orders_order_partial_refund", args=[obj.pk]),
                _("Refund chosen lines…"),
            )
        return "–"

    def get_urls(self):
        return [
            path(
                "<int:pk>/refund/",
                self.admin_site.admin_view(self.partial_refund_view),
                name="orders_order_partial_refund",
            ),
            *super().get_urls(),
        ]

    # -- status actions: one service call per order, errors reported per order

    def _each(self, request, queryset, service, done_message, **kwargs):
        done = 0
        for order in queryset.order_by("pk"):
            try:
                service(order=order, changed_by=request.user, **kwargs)
                done += 1
            except ValidationError as exc:
                self.message_user(
                    request, f"{order.number}: {' '.join(exc.messages)}", messages.ERROR
                )
        if done:
            self.message_user(request, done_message % {"n": done}, messages.SUCCESS)

    @admin.action(
        description=gettext_lazy("Mark as paid (payment received)"), permissions=["change"]
    )
    def mark_paid(self, request, queryset):
        self._each(
            request,
            queryset,
            order_mark_paid,
            ngettext_lazy("%(n)d order marked as paid.", "%(n)d orders marked as paid.", "n"),
        )

    @admin.action(description=gettext_lazy("Mark as shipped"), permissions=["change"])
    def ship(self, request, queryset):
        self._each(
            request,
            queryset,
            order_ship,
            ngettext_lazy("%(n)d order marked as shipped.", "%(n)d orders marked as shipped.", "n"),
        )

    @admin.action(description=gettext_lazy("Cancel (pending orders)"), permissions=["change"])
    def cancel(self, request, queryset):
        self._each(
            request,
            queryset,
            order_cancel,
            ngettext_lazy("%(n)d order cancelled.", "%(n)d orders cancelled.", "n"),
            reason=_("cancelled by an admin"),
        )

    @admin.action(description=gettext_lazy("Refund in full"), permissions=["change"])
    def refund_full(self, request, queryset):
        self._each(
            request,
            queryset,
            order_refund,
            ngettext_lazy("%(n)d order refunded in full.", "%(n)d orders refunded in full.", "n"),
            reason=_("refunded by an admin"),
        )

    @admin.action(
        description=gettext_lazy("Refund the payment received after cancellation"),
        permissions=["change"],
    )
    def refund_late_payment(self, request, queryset):
        done = 0
        for order in queryset.order_by("pk"):
            try:
                order_late_payment_refund(order=order, changed_by=request.user)
                done += 1
            except ValidationError as exc:
                self.message_user(
                    request, f"{order.number}: {' '.join(exc.messages)}", messages.ERROR
                )
            except stripe.StripeError as exc:
                self.message_user(
                    request,
                    _("%(number)s: Stripe could not refund the payment (%(error)s).")
                    % {"number": order.number, "error": exc.user_message or exc.__class__.__name__},
                    messages.ERROR,
                )
        if done:
            self.message_user(
                request,
                ngettext(
                    "%(n)d payment after cancellation refunded.",
                    "%(n)d payments after cancellation refunded.",
                    done,
                )
                % {"n": done},
                messages.SUCCESS,
            )

    def has_resend_permission(self, request):
        return request.user.has_perm("orders.resend_order_confirmation")

    @admin.action(
        description=gettext_lazy("Re-send the order confirmation e-mail"), permissions=["resend"]
    )
    def resend_confirmation(self, request, queryset):
        sent = 0
        for order in queryset.order_by("pk"):
            try:
                order_confirmation_email_send(order=order)
                sent += 1
            except OSError as exc:
                self.message_user(
                    request,
                    _("%(number)s: the e-mail could not be sent (%(error)s).")
                    % {"number": order.number, "error": exc},
                    messages.ERROR,
                )
        if sent:
            self.message_user(
                request,
                ngettext(
                    "%(n)d order confirmation sent again.",
                    "%(n)d order confirmations sent again.",
                    sent,
                )
                % {"n": sent},
                messages.SUCCESS,
            )

    @admin.action(
        description=gettext_lazy("Refund chosen lines… (one order)"), permissions=["change"]
    )
    def partial_refund(self, request, queryset):
        if queryset.count() != 1:
            self.message_user(
                request,
                _("Please select exactly one order for a partial refund."),
                messages.WARNING,
            )
            return None
        return HttpResponseRedirect(
            reverse("admin:orders_order_partial_refund", args=[queryset.get().pk])
        )

    @admin.action(
        description=gettext_lazy("Re-attribute to another partner…"), permissions=["change"]
    )
    def reattribute(self, request, queryset):
        return partner_choice_action(
            self,
            request,
            queryset.order_by("pk"),
            action="reattribute",
            field=Order._meta.get_field("attributed_partner"),
            apply=lambda order, partner, reason: order_reattribute(
                order=order, partner=partner, changed_by=request.user, reason=reason
            ),
            label=lambda order: order.number,
            empty_help=_("Leave empty to give the orders to the company (no partner)."),
            title=_("Re-attribute orders"),
            intro=_(
                "The orders and their volume move to the chosen partner; the volumes of every period "
                "they touch are recomputed. The change is logged with your name and the reason."
            ),
            submit_label=_("Re-attribute"),
            done_message=ngettext_lazy(
                "%(n)d order re-attributed.", "%(n)d orders re-attributed.", "n"
            ),
        )

    def partial_refund_view(self, request, pk):
        if not self.has_change_permission(request):
            raise PermissionDenied
        order = get_object_or_404(Order, pk=pk)
        lines = list(order.lines.all())
        form = PartialRefundForm(request.POST or None, lines=lines)
        if request.method == "POST" and form.is_valid():
            quantities = form.quantities()
            if not quantities:
                form.add_error(None, _("Choose at least one item to refund."))
            else:
                try:
                    refund = order_refund(
                        order=order,
                        quantities=quantities,
                        changed_by=request.user,
                        reason=form.cleaned_data["reason"],
                    )
                except ValidationError as exc:
                    form.add_error(None, exc.messages)
                else:
                    self.message_user(
                        request,
                        _("Refunded %(amount)s (QV %(qv)s) of order %(number)s.")
                        % {"amount": money(refund.amount), "qv": refund.qv, "number": order.number},
                        messages.SUCCESS,
                    )
                    return HttpResponseRedirect(
                        reverse("admin:orders_order_change", args=[order.pk])
                    )
        return TemplateResponse(
            request,
            "orders/admin/partial_refund.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.model._meta,
                "title": _("Refund chosen lines of order %(number)s") % {"number": order.number},
                "order": order,
                "form": form,
            },
        )
