"""Shipments in the admin: a parcel is entered for a paid order (the same service
as the tracking import and the API), later only its delivery date changes. The
order's page lists its parcels (read only): orders does not know fulfilment, so
the inline is added here to the registered OrderAdmin."""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils.html import format_html
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from orders.admin import ReadOnlyInline
from orders.models import Order, OrderLine

from .exchange import parse_items
from .models import Shipment, ShipmentLine
from .services import parcel_check, shipment_create, shipment_delivered, shipped_quantities


class ShipmentAddForm(forms.ModelForm):
    order_number = forms.CharField(label=_("order number"), max_length=32)
    items = forms.CharField(
        label=_("lines"),
        required=False,
        help_text=_(
            "item:quantity separated by “;” (the item is the SKU, or #line id), e.g. "
            "SOAP-01:2;#17:1. Leave empty to ship everything still open."
        ),
    )

    class Meta:
        model = Shipment
        fields = ("carrier", "tracking_number", "shipped_on", "delivered_on")

    def clean(self):
        data = super().clean()
        number = (data.get("order_number") or "").strip().upper()
        order = Order.objects.filter(number=number).first()
        if order is None:
            raise ValidationError({"order_number": _("There is no order with this number.")})
        try:
            items = parse_items(data.get("items"))
        except ValueError as exc:
            raise ValidationError({"items": str(exc)}) from None
        data["order"], data["parsed_items"] = order, items
        if data.get("carrier") and data.get("tracking_number") and data.get("shipped_on"):
            _quantities, problems = parcel_check(
                order=order,
                lines=list(OrderLine.objects.filter(order=order).order_by("pk")),
                shipped=shipped_quantities(order_ids=[order.pk]),
                items=items,
                carrier=data["carrier"],
                tracking_number=data["tracking_number"].strip(),
                shipped_on=data["shipped_on"],
                delivered_on=data.get("delivered_on"),
            )
            fields = {"order": "order_number", "lines": "items"}
            if problems:
                raise ValidationError({fields.get(k, k): v for k, v in problems.items()})
        return data


class ShipmentLineInline(admin.TabularInline):
    model = ShipmentLine
    extra = 0
    can_delete = False
    fields = ("order_line", "quantity")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


def tracking_link(obj: Shipment):
    url = obj.tracking_url(get_language() or "de") if obj.pk else ""
    if not url:
        return obj.tracking_number
    return format_html(
        '<a href="{}" rel="noopener" target="_blank">{}</a>', url, obj.tracking_number
    )


class OrderShipmentInline(ReadOnlyInline):
    """The parcels on the order's page: what each carries, its tracking link, and a
    link to the parcel's page (where the delivery date is entered)."""

    model = Shipment
    fields = (
        "shipped_on",
        "carrier",
        "tracking",
        "contents",
        "delivered_on",
        "source",
        "mail_sent_at",
    )
    readonly_fields = fields
    show_change_link = True

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("lines__order_line")

    @admin.display(description=_("tracking"))
    def tracking(self, obj):
        return tracking_link(obj)

    @admin.display(description=_("lines"))
    def contents(self, obj):
        return ", ".join(f"{line.quantity} x {line.order_line.name}" for line in obj.lines.all())


@admin.register(Shipment)
class ShipmentAdmin(admin.ModelAdmin):
    list_display = (
        "order",
        "carrier",
        "tracking_link",
        "shipped_on",
        "delivered_on",
        "source",
        "mail_sent_at",
    )
    list_filter = ("carrier", "source", "shipped_on", ("delivered_on", admin.EmptyFieldListFilter))
    search_fields = ("order__number", "tracking_number")
    date_hierarchy = "shipped_on"
    list_select_related = ("order",)
    inlines = [ShipmentLineInline]

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            kwargs["form"] = ShipmentAddForm
        return super().get_form(request, obj, **kwargs)

    def get_fields(self, request, obj=None):
        if obj is None:
            return (
                "order_number",
                "carrier",
                "tracking_number",
                "items",
                "shipped_on",
                "delivered_on",
            )
        return (
            "order",
            "carrier",
            "tracking_number",
            "tracking_link",
            "shipped_on",
            "delivered_on",
            "source",
            "created_by",
            "mail_sent_at",
        )

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ()
        return (
            "order",
            "carrier",
            "tracking_number",
            "tracking_link",
            "shipped_on",
            "source",
            "created_by",
            "mail_sent_at",
        )

    def get_inlines(self, request, obj):
        return [ShipmentLineInline] if obj is not None else []

    @admin.display(description=_("tracking"))
    def tracking_link(self, obj):
        return tracking_link(obj)

    def save_model(self, request, obj, form, change):
        if change:
            if "delivered_on" in form.changed_data and obj.delivered_on:
                shipment_delivered(shipment=obj, delivered_on=obj.delivered_on)
            return
        created = shipment_create(
            order=form.cleaned_data["order"],
            carrier=form.cleaned_data["carrier"],
            tracking_number=form.cleaned_data["tracking_number"],
            items=form.cleaned_data["parsed_items"],
            shipped_on=form.cleaned_data["shipped_on"],
            delivered_on=form.cleaned_data.get("delivered_on"),
            source=Shipment.Source.ADMIN,
            created_by=request.user,
        )
        obj.pk = created.pk
        obj.refresh_from_db()

    def has_delete_permission(self, request, obj=None):
        return False


def _order_page_shows_parcels() -> None:
    """Add the parcels after the order's lines on the registered OrderAdmin."""
    order_admin = admin.site.get_model_admin(Order)
    inlines = list(order_admin.inlines)
    if OrderShipmentInline not in inlines:
        inlines.insert(1, OrderShipmentInline)
        order_admin.inlines = tuple(inlines)


_order_page_shows_parcels()
