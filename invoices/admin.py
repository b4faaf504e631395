"""Invoices in the admin: read only (a document is never edited or deleted; a
refund issues its correction), with the PDF and the e-invoice XML to download."""

from django.contrib import admin
from django.http import Http404, HttpResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy

from partners.admin_base import euro_column

from .models import Invoice
from .services import invoice_with_document
from .views import pdf_response


@admin.register(Invoice)
class InvoiceAdmin(admin.ModelAdmin):
    list_display = (
        "number",
        "kind",
        "order_link",
        "buyer_name",
        "issue_date",
        euro_column(Invoice, "total"),
        "is_business",
        "mailed",
        "downloads",
    )
    list_filter = ("kind", "year", "is_business")
    search_fields = ("number", "order__number", "order__email", "order__company_name")
    list_select_related = ("order", "mail", "corrects")
    date_hierarchy = "issue_date"
    exclude = ("pdf", "xml", "seller", "buyer", "lines", "rates")
    readonly_fields = (
        "number",
        "kind",
        "order_link",
        "corrects",
        "refund",
        "issue_date",
        "delivery_date",
        "language",
        "buyer_name",
        "seller_text",
        "lines_text",
        "rates_text",
        "discount_percent",
        "discount",
        "shipping",
        "net",
        "vat",
        "total",
        "is_business",
        "pdf_sha256",
        "mailed",
        "downloads",
    )

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).defer("pdf", "xml")

    @admin.display(description=gettext_lazy("order"), ordering="order__number")
    def order_link(self, obj):
        url = reverse("admin:orders_order_change", args=[obj.order_id])
        return format_html('<a href="{}">{}</a>', url, obj.order.number)

    @admin.display(description=gettext_lazy("buyer"))
    def buyer_name(self, obj):
        return obj.buyer.get("name", "")

    @admin.display(description=gettext_lazy("seller"))
    def seller_text(self, obj):
        return ", ".join(str(v) for v in obj.seller.values() if v)

    @admin.display(description=gettext_lazy("lines"))
    def lines_text(self, obj):
        return format_html_join(
            "",
            "<div>{} × {} ({} %): {}</div>",
            ((li["quantity"], li["name"], li["vat_rate"], li["total"]) for li in obj.lines),
        )

    @admin.display(description=gettext_lazy("VAT per rate"))
    def rates_text(self, obj):
        return format_html_join(
            "",
            "<div>{} %: {} + {} = {}</div>",
            ((r["rate"], r["net"], r["vat"], r["gross"]) for r in obj.rates),
        )

    @admin.display(description=gettext_lazy("e-mailed"), boolean=True)
    def mailed(self, obj):
        mail = getattr(obj, "mail", None)
        return bool(mail and mail.sent_at)

    @admin.display(description=gettext_lazy("files"))
    def downloads(self, obj):
        pdf = reverse("admin:invoices_invoice_file", args=[obj.number, "pdf"])
        if not obj.is_business:
            return format_html('<a href="{}">PDF</a>', pdf)
        xml = reverse("admin:invoices_invoice_file", args=[obj.number, "xml"])
        return format_html('<a href="{}">PDF</a> · <a href="{}">XML</a>', pdf, xml)

    def get_urls(self):
        return [
            path(
                "file/<str:number>.<str:kind>",
                self.admin_site.admin_view(self.file_view),
                name="invoices_invoice_file",
            ),
            *super().get_urls(),
        ]

    def file_view(self, request, number, kind):
        if not self.has_view_permission(request):
            raise Http404
        invoice = Invoice.objects.filter(number=number).first()
        if invoice is None or kind not in ("pdf", "xml"):
            raise Http404
        if kind == "pdf":
            return pdf_response(invoice, inline=False)
        invoice = invoice_with_document(invoice=invoice)
        if not invoice.xml:
            raise Http404
        response = HttpResponse(bytes(invoice.xml), content_type="application/xml")
        response["Content-Disposition"] = f'attachment; filename="{invoice.number}.xml"'
        return response
