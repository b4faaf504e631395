"""Products: the catalogue with prices, volume, CV and images; activate, deactivate."""

from django import forms
from django.contrib import admin, messages
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy, ngettext

from partners.widgets import AdminFileChooser

from ..events import catalogue_changed
from ..images import image_prepare_for_web
from ..models import Product
from ..pricing import cv_proposed
from ..services import product_image_refresh
from ..stock import stock_keep_current
from ..taxes import home_rate


class ProductAdminForm(forms.ModelForm):
    class Meta:
        model = Product
        fields = (
            "name",
            "sku",
            "description",
            "image",
            "price",
            "tax_class",
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
        if cleaned.get("cv") is None and cleaned.get("price") and cleaned.get("tax_class"):
            cleaned["cv"] = cv_proposed(
                price=cleaned["price"], vat_rate=home_rate(cleaned["tax_class"])
            )
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
        "stock",
        "is_active",
        "sort_order",
    )  # fits 1366 px; the VAT rate is a filter, it and the CV are on the product
    list_display_links = ("name",)
    list_editable = ("price", "qv", "stock", "is_active", "sort_order")
    list_filter = ("is_active", "tax_class")
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
