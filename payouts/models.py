"""Payout profiles, credit notes (Gutschriften) and payout runs (commissions.md
sections 5 and 6)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from partners.models import Partner


class TaxStatus(models.TextChoices):
    REGULAR = "regular", _("regular (German VAT-registered business)")
    SMALL_BUSINESS = "small_business", _("small business (§19 UStG, no VAT)")
    REVERSE_CHARGE = "reverse_charge", _("business in another EU state (reverse charge)")


class PayoutProfile(models.Model):
    """Where and how a partner is paid. Written only by payouts.services."""

    partner = models.OneToOneField(
        Partner, on_delete=models.PROTECT, related_name="payout_profile", verbose_name=_("partner")
    )
    # Kept apart from the partner's name: banks compare it (Verification of Payee).
    account_holder = models.CharField(_("account holder"), max_length=70, blank=True)
    iban = models.CharField(_("IBAN"), max_length=34, blank=True)  # compact, upper case
    bic = models.CharField(_("BIC"), max_length=11, blank=True)
    company_name = models.CharField(_("business name"), max_length=140, blank=True)
    street = models.CharField(_("street and number"), max_length=140, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=16, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    country = models.CharField(_("country"), max_length=2, default="DE")
    tax_status = models.CharField(
        _("tax status"), max_length=16, choices=TaxStatus.choices, blank=True
    )
    tax_number = models.CharField(_("tax number (Steuernummer)"), max_length=20, blank=True)
    vat_id = models.CharField(_("VAT id"), max_length=20, blank=True)
    iban_changed_at = models.DateTimeField(_("IBAN changed at"), null=True, blank=True)
    # Payouts to this partner wait until then after an IBAN change.
    hold_until = models.DateTimeField(_("payouts held until"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["partner__slug"]
        verbose_name = _("payout profile")
        verbose_name_plural = _("payout profiles")

    def __str__(self):
        return str(self.partner)

    @property
    def iban_masked(self) -> str:
        return iban_mask(self.iban)


def iban_mask(iban: str) -> str:
    """DE89 **** **** **** **30 00: country and check digits, the last four digits."""
    if not iban:
        return ""
    hidden = iban[:4] + "*" * (len(iban) - 8) + iban[-4:]
    return " ".join(hidden[i : i + 4] for i in range(0, len(hidden), 4))


class PayoutLog(models.Model):
    """Every step of the payout process: who, when, what (commissions.md §6)."""

    class Action(models.TextChoices):
        PROFILE_SAVED = "profile_saved", _("payout profile saved")
        IBAN_CHANGED = "iban_changed", _("IBAN changed")
        STATEMENT_IMPORTED = "statement_imported", _("bank statement imported")
        TRANSACTION_RESOLVED = "transaction_resolved", _("bank transaction resolved")

    action = models.CharField(_("action"), max_length=32, choices=Action.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    partner = models.ForeignKey(
        Partner,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("partner"),
    )
    message = models.TextField(_("what"), blank=True)
    created_at = models.DateTimeField(_("when"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("payout log entry")
        verbose_name_plural = _("payout log")

    def __str__(self):
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.get_action_display()}"


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
