"""Imported bank statements and their lines, with what each line was matched to."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class BankStatement(models.Model):
    """An imported bank statement file (CAMT.053 or MT940). Importing the same
    file again changes nothing (same hash); lines already seen in an
    overlapping statement are skipped by their key."""

    file_name = models.CharField(_("file name"), max_length=255)
    file_hash = models.CharField(_("SHA-256 of the file"), max_length=64, unique=True)
    format = models.CharField(_("format"), max_length=16)
    account_iban = models.CharField(_("account"), max_length=64, blank=True)
    statement_id = models.CharField(_("statement id"), max_length=100, blank=True)
    lines_total = models.PositiveIntegerField(_("lines in the file"), default=0)
    lines_new = models.PositiveIntegerField(_("new lines"), default=0)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("imported by"),
    )
    imported_at = models.DateTimeField(_("imported at"), auto_now_add=True)

    class Meta:
        ordering = ["-imported_at", "-pk"]
        verbose_name = _("bank statement")
        verbose_name_plural = _("bank statements")

    def __str__(self):
        return f"{self.file_name} ({self.imported_at:%Y-%m-%d})"


class BankTransaction(models.Model):
    """One booking of an imported statement and what it was matched to."""

    class Status(models.TextChoices):
        ORDER_PAID = "order_paid", _("order marked paid")
        NO_MATCH = "no_match", _("no matching order or payout")
        WRONG_AMOUNT = "wrong_amount", _("amount differs from the order total")
        ALREADY_PAID = "already_paid", _("order not waiting for payment (already paid?)")
        DUPLICATE = "duplicate", _("duplicate line in the statement")
        RUN_DEBIT = "run_debit", _("debit of a payout run")
        PAYOUT_RETURNED = "payout_returned", _("payout returned by the bank")
        DEBITS_COLLECTED = "debits_collected", _("direct debits collected")
        DEBIT_RETURNED = "debit_returned", _("direct debit returned (Rücklastschrift)")

    NEEDS_ATTENTION = (
        Status.NO_MATCH,
        Status.WRONG_AMOUNT,
        Status.ALREADY_PAID,
        Status.DUPLICATE,
    )

    statement = models.ForeignKey(
        BankStatement,
        on_delete=models.PROTECT,
        related_name="transactions",
        verbose_name=_("bank statement"),
    )
    key = models.CharField(_("line key"), max_length=80, unique=True)
    booking_date = models.DateField(_("booking date"))
    value_date = models.DateField(_("value date"), null=True, blank=True)
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3, default="EUR")
    counterparty_name = models.CharField(_("counterparty"), max_length=140, blank=True)
    counterparty_iban = models.CharField(_("counterparty IBAN"), max_length=34, blank=True)
    reference = models.CharField(_("reference"), max_length=500, blank=True)
    end_to_end_id = models.CharField(_("end-to-end id"), max_length=35, blank=True)
    batch_id = models.CharField(_("batch id"), max_length=35, blank=True)
    bank_reference = models.CharField(_("bank reference"), max_length=100, blank=True)
    return_reason = models.CharField(_("return reason"), max_length=4, blank=True)
    status = models.CharField(_("result"), max_length=16, choices=Status.choices)
    order = models.ForeignKey(
        "orders.Order",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("order"),
    )
    payout_run = models.ForeignKey(
        "PayoutRun",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("payout run"),
    )
    payout_item = models.ForeignKey(
        "PayoutItem",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("payout item"),
    )
    debit_collection = models.ForeignKey(
        "DebitCollection",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("direct debit collection"),
    )
    order_debit = models.ForeignKey(
        "OrderDebit",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("order direct debit"),
    )
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("resolved by"),
    )
    resolution_note = models.TextField(_("resolution"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["booking_date", "pk"]
        verbose_name = _("bank transaction")
        verbose_name_plural = _("bank transactions")

    def __str__(self):
        return f"{self.booking_date} {self.amount} {self.reference[:40]}"

    @property
    def needs_attention(self) -> bool:
        return self.status in self.NEEDS_ATTENTION and self.resolved_at is None
