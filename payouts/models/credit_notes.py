"""Credit notes (Gutschriften, commissions.md section 5): the yearly counter
and the note with its frozen copy of both parties, PDF and e-invoice.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from partners.models import Partner

from .profiles import TaxStatus


class CreditNoteCounter(models.Model):
    """The last credit note number of a calendar year. Its row is locked
    (select_for_update) while a number is drawn, in the transaction that issues
    the note: a rollback gives the number back, so numbers stay gapless."""

    year = models.PositiveIntegerField(_("year"), primary_key=True)
    last = models.PositiveIntegerField(_("last number"), default=0)

    class Meta:
        verbose_name = _("credit note counter")
        verbose_name_plural = _("credit note counters")

    def __str__(self):
        return f"{self.year}: {self.last}"


class CreditNote(models.Model):
    """A Gutschrift (self-billed invoice, §14 Abs. 2 Satz 2 UStG) or the
    cancelling credit note of one. Issued once with every field of §14 Abs. 4
    UStG as a snapshot, the PDF and the EN 16931 XML stored with it; never
    changed or deleted."""

    class Kind(models.TextChoices):
        CREDIT_NOTE = "credit_note", _("credit note")
        CANCELLATION = "cancellation", _("cancelling credit note")

    number = models.CharField(_("number"), max_length=20, unique=True)
    year = models.PositiveIntegerField(_("year"))
    sequence = models.PositiveIntegerField(_("sequence"))
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    cancels = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cancelled_by",
        verbose_name=_("cancels"),
    )
    item = models.ForeignKey(
        "PayoutItem",
        on_delete=models.PROTECT,
        related_name="credit_notes",
        verbose_name=_("payout item"),
    )
    partner = models.ForeignKey(
        Partner, on_delete=models.PROTECT, related_name="credit_notes", verbose_name=_("partner")
    )
    issue_date = models.DateField(_("issue date"))
    period_start = models.DateField(_("service from"))
    period_end = models.DateField(_("service to"))
    # Snapshots: the document says what was true when it was issued.
    company = models.JSONField(_("company"))
    recipient = models.JSONField(_("partner"))
    tax_status = models.CharField(_("tax status"), max_length=16, choices=TaxStatus.choices)
    net = models.DecimalField(_("net amount"), max_digits=14, decimal_places=2)
    vat_rate = models.DecimalField(_("VAT rate"), max_digits=5, decimal_places=2)
    vat = models.DecimalField(_("VAT"), max_digits=14, decimal_places=2)
    gross = models.DecimalField(_("gross amount"), max_digits=14, decimal_places=2)
    tax_note = models.TextField(_("tax note"), blank=True)
    pdf = models.BinaryField(_("PDF"))
    pdf_sha256 = models.CharField(_("SHA-256 of the PDF"), max_length=64)
    xml = models.BinaryField(_("e-invoice XML"))
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("issued by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["year", "sequence"]
        verbose_name = _("credit note")
        verbose_name_plural = _("credit notes")
        constraints = [
            models.UniqueConstraint(fields=["year", "sequence"], name="credit_note_year_sequence"),
        ]

    def __str__(self):
        return self.number
