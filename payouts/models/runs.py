"""Payout items (what a closed statement owes a partner) and payout runs
(commissions.md section 6) with one entry per item in the run.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from partners.models import Partner

from .credit_notes import CreditNote
from .profiles import iban_mask


class PayoutItem(models.Model):
    """A statement with payout > 0 on its way to the partner's account
    (commissions.md §6): payable -> in_run -> paid, or returned -> payable."""

    class Status(models.TextChoices):
        PAYABLE = "payable", _("payable")
        IN_RUN = "in_run", _("in a payout run")
        PAID = "paid", _("paid")
        RETURNED = "returned", _("returned by the bank")

    statement = models.OneToOneField(
        "commissions.Statement",
        on_delete=models.PROTECT,
        related_name="payout_item",
        verbose_name=_("statement"),
    )
    partner = models.ForeignKey(
        Partner, on_delete=models.PROTECT, related_name="payout_items", verbose_name=_("partner")
    )
    net = models.DecimalField(_("net amount"), max_digits=14, decimal_places=2)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.PAYABLE
    )
    credit_note = models.OneToOneField(
        CreditNote,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("credit note"),
    )
    return_reason = models.CharField(_("return reason"), max_length=4, blank=True)
    returned_at = models.DateTimeField(_("returned at"), null=True, blank=True)
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("payout item")
        verbose_name_plural = _("payout items")
        constraints = [
            models.CheckConstraint(condition=models.Q(net__gt=0), name="payout_item_positive"),
        ]

    def __str__(self):
        return f"{self.partner} {self.net}"


RETURN_REASONS = {
    "AC01": _("incorrect account number (IBAN)"),
    "AC04": _("account closed"),
    "AC06": _("account blocked"),
    "AC13": _("debtor account is a consumer account"),
    "AG01": _("transaction forbidden on this account"),
    "AG02": _("invalid bank operation code"),
    "AM05": _("duplicate payment"),
    "BE04": _("creditor address missing"),
    "CNOR": _("creditor bank not registered"),
    "FF01": _("invalid file format"),
    "MD07": _("account holder deceased"),
    "MS02": _("reason not specified by the payee"),
    "MS03": _("reason not specified by the bank"),
    "RC01": _("bank identifier (BIC) incorrect"),
    "RR01": _("account or identification of the payee missing"),
    "RR03": _("name or address of the payee missing"),
    "RR04": _("regulatory reason"),
    "FOCR": _("returned after a recall"),
}


class PayoutRun(models.Model):
    """A batch of payouts (commissions.md §6): prepared by one admin, approved
    by another (four eyes), then paid by the bank with one SEPA file."""

    class Status(models.TextChoices):
        PREPARED = "prepared", _("prepared, waiting for approval")
        APPROVED = "approved", _("approved, SEPA file ready")
        PAID = "paid", _("paid")
        CANCELLED = "cancelled", _("cancelled")

    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.PREPARED
    )
    prepared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("prepared by"),
    )
    prepared_at = models.DateTimeField(_("prepared at"), auto_now_add=True)
    # Four eyes: everyone who prepared it or added to it; none of them may approve it.
    contributors = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="+",
        verbose_name=_("prepared or added to by"),
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("approved by"),
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("cancelled by"),
    )
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    paid_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("marked paid by"),
    )
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)
    # Partners left out when the run was prepared, with what was missing.
    skipped = models.JSONField(_("left out"), default=list, blank=True)
    total = models.DecimalField(_("total"), max_digits=14, decimal_places=2, default=0)
    execution_date = models.DateField(_("execution date"), null=True, blank=True)
    sepa_xml = models.BinaryField(_("SEPA file (pain.001.001.09)"), null=True, blank=True)
    sepa_sha256 = models.CharField(_("SHA-256 of the SEPA file"), max_length=64, blank=True)
    message_id = models.CharField(_("message id"), max_length=35, blank=True)
    payment_info_id = models.CharField(_("payment information id"), max_length=35, blank=True)

    class Meta:
        ordering = ["-prepared_at", "-pk"]
        verbose_name = _("payout run")
        verbose_name_plural = _("payout runs")
        permissions = [
            ("prepare_payoutrun", _("Can prepare payout runs")),
            ("approve_payoutrun", _("Can approve payout runs")),
        ]

    def __str__(self):
        return f"#{self.pk} ({self.get_status_display()})"


class PayoutRunEntry(models.Model):
    """One transfer of a run: the item, the amount and the bank details sent."""

    class Outcome(models.TextChoices):
        IN_RUN = "in_run", _("in the run")
        PAID = "paid", _("paid")
        RETURNED = "returned", _("returned by the bank")
        REMOVED = "removed", _("removed before approval")

    run = models.ForeignKey(
        PayoutRun, on_delete=models.PROTECT, related_name="entries", verbose_name=_("payout run")
    )
    item = models.ForeignKey(
        PayoutItem, on_delete=models.PROTECT, related_name="entries", verbose_name=_("payout item")
    )
    outcome = models.CharField(
        _("outcome"), max_length=10, choices=Outcome.choices, default=Outcome.IN_RUN
    )
    note = models.CharField(_("note"), max_length=255, blank=True)
    gross = models.DecimalField(_("amount"), max_digits=14, decimal_places=2, default=0)
    account_holder = models.CharField(_("account holder"), max_length=70, blank=True)
    iban = models.CharField(_("IBAN"), max_length=34, blank=True)
    bic = models.CharField(_("BIC"), max_length=11, blank=True)
    end_to_end_id = models.CharField(_("end-to-end id"), max_length=35, blank=True)
    remittance = models.CharField(_("remittance"), max_length=140, blank=True)
    return_reason = models.CharField(_("return reason"), max_length=4, blank=True)

    class Meta:
        ordering = ["run", "item"]
        verbose_name = _("payout run entry")
        verbose_name_plural = _("payout run entries")
        constraints = [
            models.UniqueConstraint(fields=["run", "item"], name="run_entry_once"),
        ]

    def __str__(self):
        return f"{self.run_id}: {self.item}"

    @property
    def iban_masked(self) -> str:
        return iban_mask(self.iban)
