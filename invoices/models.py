"""Customer invoices (Rechnungen) and their corrections (Rechnungskorrekturen).

An invoice is issued once per order with every field of §14 Abs. 4 UStG as a
snapshot; its PDF (and, for a business customer, the EN 16931 XML embedded in
it) is made from that snapshot at first need and stored with it
(docs/decisions/0007); it is never changed or deleted. A refund issues a
correction with its own number that references the invoice."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from orders.models import Order, Refund


class InvoiceCounter(models.Model):
    """The last invoice number of a calendar year. Its row is locked
    (select_for_update) while a number is drawn, in the transaction that issues
    the document: a rollback gives the number back, so numbers stay gapless.
    Invoices and corrections share one sequence (RE-2026-000001)."""

    year = models.PositiveIntegerField(_("year"), primary_key=True)
    last = models.PositiveIntegerField(_("last number"), default=0)

    class Meta:
        verbose_name = _("invoice counter")
        verbose_name_plural = _("invoice counters")

    def __str__(self):
        return f"{self.year}: {self.last}"


class Invoice(models.Model):
    class Kind(models.TextChoices):
        INVOICE = "invoice", _("invoice")
        CORRECTION = "correction", _("invoice correction")

    number = models.CharField(_("number"), max_length=20, unique=True)
    year = models.PositiveIntegerField(_("year"))
    sequence = models.PositiveIntegerField(_("sequence"))
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    order = models.ForeignKey(
        Order, on_delete=models.PROTECT, related_name="invoices", verbose_name=_("order")
    )
    # A correction: the refund it documents and the invoice it corrects (BT-25).
    refund = models.OneToOneField(
        Refund,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="invoice_correction",
        verbose_name=_("refund"),
    )
    corrects = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="corrections",
        verbose_name=_("corrects invoice"),
    )
    issue_date = models.DateField(_("invoice date"))
    delivery_date = models.DateField(_("delivery date"))
    language = models.CharField(_("language"), max_length=8)
    # Snapshots: the document says what was true when it was issued.
    seller = models.JSONField(_("seller"))
    buyer = models.JSONField(_("buyer"))
    # [{name, sku, quantity, unit_price, vat_rate, total}] in gross euros (strings).
    lines = models.JSONField(_("lines"))
    # [{rate, goods, discount, shipping, gross, vat, net}] (orders.pricing.RateShare).
    rates = models.JSONField(_("VAT per rate"))
    discount_percent = models.DecimalField(
        _("partner code discount (%)"), max_digits=5, decimal_places=2, default=0
    )
    discount = models.DecimalField(_("discount"), max_digits=12, decimal_places=2)
    shipping = models.DecimalField(_("shipping"), max_digits=12, decimal_places=2)
    net = models.DecimalField(_("net amount"), max_digits=12, decimal_places=2)
    vat = models.DecimalField(_("VAT"), max_digits=12, decimal_places=2)
    total = models.DecimalField(_("total (gross)"), max_digits=12, decimal_places=2)
    is_business = models.BooleanField(_("business customer (e-invoice)"), default=False)
    # Empty until the document is first needed (services.invoice_with_document).
    pdf = models.BinaryField(_("PDF"), blank=True, default=b"")
    pdf_sha256 = models.CharField(_("SHA-256 of the PDF"), max_length=64, blank=True, default="")
    xml = models.BinaryField(_("e-invoice XML"), blank=True, default=b"")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["year", "sequence"]
        verbose_name = _("invoice")
        verbose_name_plural = _("invoices")
        constraints = [
            models.UniqueConstraint(fields=["year", "sequence"], name="invoice_year_sequence"),
            models.UniqueConstraint(
                fields=["order"],
                condition=models.Q(kind="invoice"),
                name="invoice_once_per_order",
            ),
            models.CheckConstraint(
                condition=models.Q(kind="invoice", refund__isnull=True, corrects__isnull=True)
                | models.Q(kind="correction", refund__isnull=False, corrects__isnull=False),
                name="invoice_correction_references",
            ),
        ]

    def __str__(self):
        return self.number

    @property
    def is_correction(self) -> bool:
        return self.kind == self.Kind.CORRECTION

    @property
    def paid_date(self):
        paid_at = self.order.paid_at
        return timezone.localdate(paid_at) if paid_at else self.issue_date


class InvoiceMail(models.Model):
    """Outbox of the e-mail that brings a document to the customer (the payment
    confirmation with the invoice attached, or the correction). Written in the
    issuing transaction; sent by a task after commit or by the sweep."""

    invoice = models.OneToOneField(
        Invoice, on_delete=models.CASCADE, related_name="mail", verbose_name=_("invoice")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("invoice e-mail")
        verbose_name_plural = _("invoice e-mails")
        indexes = [
            models.Index(
                fields=["created_at"],
                condition=models.Q(sent_at__isnull=True),
                name="invoice_mail_unsent",
            )
        ]

    def __str__(self):
        return f"{self.invoice_id}"
