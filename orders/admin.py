"""Admin for products, orders and customers. Every change of an order or a
binding goes through orders/services.py; errors are reported per order."""

import stripe
from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.widgets import AutocompleteSelect
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, ngettext_lazy

from partners.admin_base import euro_column
from partners.models import Partner
from partners.widgets import AdminFileChooser

from .emails import order_confirmation_email_send
from .events import catalogue_changed
from .images import image_prepare_for_web
from .models import (
    AttributionChange,
    CompanyApiKey,
    Customer,
    CustomerBindingChange,
    Order,
    OrderLine,
    OrderTransition,
    PartnerCodeBenefit,
    Product,
    Refund,
)
from .pricing import cv_proposed
from .services import (
    company_api_key_create,
    company_api_key_revoke,
    customer_rebind,
    order_cancel,
    order_late_payment_refund,
    order_mark_paid,
    order_reattribute,
    order_refund,
    order_ship,
    product_image_refresh,
)
from .stock import stock_keep_current
from .templatetags.shop import money

# --- Products -------------------------------------------------------------------


class ProductAdminForm(forms.ModelForm):
    class Meta:
        model = Product
        fields = (
            "name",
            "sku",
            "description",
            "image",
            "price",
            "vat_rate",
            "qv",
            "cv",
            "stock",
            "is_active",
            "sort_order",
        )
        widgets = {"image": AdminFileChooser}  # "Datei auswählen", not the browser's words
        error_messages = {
            # Django's own check (Pillow reads the content) speaks first: say what to do.
            "image": {
                "invalid_image": gettext_lazy(
                    "This file is not an image we can read. Please upload a JPEG, PNG or WebP image."
                )
            }
        }
        help_texts = {
            "price": gettext_lazy("Gross price in EUR, VAT included, as the customer pays it."),
            "qv": gettext_lazy("Qualifying volume per unit; independent of the price."),
            "cv": gettext_lazy(
                "Commissionable value per unit in EUR. Leave empty to take the net price (price without VAT)."
            ),
            "image": gettext_lazy(
                "JPEG, PNG or WebP, at least 320 × 320 pixels, at most 15 MB. Square "
                "images fit the shop's tiles best; copies of 320, 640 and 1200 pixels "
                "are made for phones and large screens."
            ),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cv"].required = False
        if not self.instance.pk:
            self.initial.pop("cv", None)  # empty: proposed from the net price

    def clean(self):
        cleaned = super().clean()
        if (
            cleaned.get("cv") is None
            and cleaned.get("price")
            and cleaned.get("vat_rate") is not None
        ):
            cleaned["cv"] = cv_proposed(price=cleaned["price"], vat_rate=cleaned["vat_rate"])
        return cleaned

    def clean_image(self):
        image = self.cleaned_data.get("image")
        if image and hasattr(image, "content_type"):  # a new upload, not the stored file
            return image_prepare_for_web(image)
        return image


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    form = ProductAdminForm
    list_display = (
        "name",
        "thumbnail",
        "price",
        "qv",
        "cv",
        "stock",
        "is_active",
        "sort_order",
    )  # fits 1366 px; the VAT rate is a filter and on the product
    list_display_links = ("name",)
    list_editable = ("price", "qv", "stock", "is_active", "sort_order")
    list_filter = ("is_active", "vat_rate")
    search_fields = ("name", "sku", "description")
    ordering = ("sort_order", "name")
    actions = ("activate", "deactivate")

    @admin.display(description=gettext_lazy("image"))
    def thumbnail(self, obj):
        if not obj.image:
            return "–"
        return format_html(
            '<img src="{}" alt="" style="height:40px;width:40px;object-fit:cover;border-radius:4px">',
            obj.image_src,
        )

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if db_field.name == "stock" and field is not None:
            # "Changed?" compares with what the admin saw, not with the stock now.
            field.show_hidden_initial = True
        return field

    def _changed(self):
        # Pages that show products (landing) listen to this hook.
        catalogue_changed.send(sender=Product)

    def save_model(self, request, obj, form, change):
        previous = (
            Product.objects.filter(pk=obj.pk).values("image", "image_widths").first()
            if change
            else None
        ) or {"image": "", "image_widths": []}
        if change and "stock" not in form.changed_data:
            stock_keep_current(product=obj)  # sales since the form was loaded still count
        super().save_model(request, obj, form, change)
        if "image" in form.changed_data:
            product_image_refresh(
                product=obj,
                previous_name=previous["image"] or "",
                previous_widths=previous["image_widths"],
            )
        self._changed()

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        self._changed()

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        self._changed()

    @admin.action(description=gettext_lazy("Activate selected products"), permissions=["change"])
    def activate(self, request, queryset):
        n = queryset.update(is_active=True, updated_at=timezone.now())
        self._changed()
        self.message_user(
            request,
            ngettext("%(n)d product activated.", "%(n)d products activated.", n) % {"n": n},
            messages.SUCCESS,
        )

    @admin.action(description=gettext_lazy("Deactivate selected products"), permissions=["change"])
    def deactivate(self, request, queryset):
        n = queryset.update(is_active=False, updated_at=timezone.now())
        self._changed()
        self.message_user(
            request,
            ngettext("%(n)d product deactivated.", "%(n)d products deactivated.", n) % {"n": n},
            messages.SUCCESS,
        )


# --- Orders ----------------------------------------------------------------------


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


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


class PartnerChoiceForm(forms.Form):
    """Intermediate page of "re-attribute" and "re-bind": a partner (autocomplete,
    empty = the company / no partner) and the reason, which is required."""

    partner = forms.ModelChoiceField(
        queryset=Partner.objects.all(), required=False, label=gettext_lazy("New partner")
    )
    reason = forms.CharField(
        label=gettext_lazy("Reason"), widget=forms.Textarea(attrs={"rows": 3, "cols": 60})
    )

    def __init__(self, *args, model_field, admin_site, empty_help, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["partner"]
        field.widget = AutocompleteSelect(model_field, admin_site)
        field.widget.choices = field.choices
        field.help_text = empty_help

    def clean_partner(self):
        partner = self.cleaned_data.get("partner")
        if partner is not None and partner.status == Partner.Status.TERMINATED:
            raise ValidationError(_("A terminated partner cannot take orders or customers."))
        return partner


def partner_choice_action(
    modeladmin,
    request,
    queryset,
    *,
    action,
    field,
    apply,
    label,
    empty_help,
    title,
    intro,
    submit_label,
    done_message,
):
    """An admin action that asks for a partner and a reason, then applies a
    service to each selected object and reports every refusal by name."""
    form = PartnerChoiceForm(
        request.POST if "apply" in request.POST else None,
        model_field=field,
        admin_site=modeladmin.admin_site,
        empty_help=empty_help,
    )
    if "apply" in request.POST and form.is_valid():
        done = 0
        for obj in queryset:
            try:
                apply(obj, form.cleaned_data["partner"], form.cleaned_data["reason"])
                done += 1
            except ValidationError as exc:
                modeladmin.message_user(
                    request, f"{label(obj)}: {' '.join(exc.messages)}", messages.ERROR
                )
        if done:
            modeladmin.message_user(request, done_message % {"n": done}, messages.SUCCESS)
        return None
    return TemplateResponse(
        request,
        "orders/admin/partner_choice.html",
        {
            **modeladmin.admin_site.each_context(request),
            "opts": modeladmin.model._meta,
            "title": title,
            "intro": intro,
            "objects": queryset,
            "form": form,
            "media": modeladmin.media + form.media,
            "action": action,
            "action_checkbox_name": ACTION_CHECKBOX_NAME,
            "submit_label": submit_label,
        },
    )


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


# --- Customers ------------------------------------------------------------------


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


# --- Keys of the company's external shops (order intake API) ----------------------


class CompanyApiKeyAddForm(forms.ModelForm):
    scopes = forms.MultipleChoiceField(
        label=gettext_lazy("scopes"),
        choices=CompanyApiKey.Scope.choices,
        widget=forms.CheckboxSelectMultiple,
        initial=[CompanyApiKey.Scope.ORDERS_WRITE, CompanyApiKey.Scope.ORDERS_READ],
    )

    class Meta:
        model = CompanyApiKey
        fields = ("name", "source", "scopes")


@admin.register(CompanyApiKey)
class CompanyApiKeyAdmin(admin.ModelAdmin):
    """Create a key (its secret is shown once, on the page after saving) and revoke it."""

    list_display = (
        "name",
        "source",
        "prefix",
        "scope_list",
        "created_at",
        "last_used_at",
        "revoked_at",
    )
    list_filter = ("source", ("revoked_at", admin.EmptyFieldListFilter))
    search_fields = ("name", "source", "prefix")
    actions = ("revoke",)
    readonly_fields = (
        "source",
        "prefix",
        "scope_list",
        "created_by",
        "created_at",
        "last_used_at",
        "revoked_at",
    )
    fields = ("name", *readonly_fields)

    @admin.display(description=gettext_lazy("scopes"))
    def scope_list(self, obj):
        return ", ".join(obj.scopes)

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            kwargs["form"] = CompanyApiKeyAddForm
            kwargs["fields"] = ("name", "source", "scopes")
        return super().get_form(request, obj, **kwargs)

    def get_fields(self, request, obj=None):
        return ("name", "source", "scopes") if obj is None else self.fields

    def get_readonly_fields(self, request, obj=None):
        return () if obj is None else self.readonly_fields

    def has_delete_permission(self, request, obj=None):
        return False  # revoke instead: the key's history stays

    def save_model(self, request, obj, form, change):
        if change:
            obj.save(update_fields=["name"])
            return
        key, raw = company_api_key_create(
            name=form.cleaned_data["name"],
            source=form.cleaned_data["source"],
            scopes=form.cleaned_data["scopes"],
            created_by=request.user,
        )
        for field in ("id", "prefix", "key_hash", "scopes", "created_by_id", "created_at"):
            setattr(obj, field, getattr(key, field))
        obj.secret_shown_once = raw

    def response_add(self, request, obj, post_url_continue=None):
        raw = getattr(obj, "secret_shown_once", None)
        if not raw:
            return super().response_add(request, obj, post_url_continue)
        response = TemplateResponse(
            request,
            "admin/orders/companyapikey/created.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.opts,
                "key": obj,
                "secret": raw,
                "title": _("API key created"),
            },
        )
        response["Cache-Control"] = "no-store"
        return response

    @admin.action(description=gettext_lazy("Revoke selected keys"), permissions=["change"])
    def revoke(self, request, queryset):
        n = 0
        for key in queryset.filter(revoked_at__isnull=True).order_by("pk"):
            company_api_key_revoke(key=key)
            n += 1
        self.message_user(
            request,
            ngettext("%(n)d key revoked.", "%(n)d keys revoked.", n) % {"n": n},
            messages.SUCCESS,
        )
