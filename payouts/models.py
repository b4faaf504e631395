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
        CREDIT_NOTE_ISSUED = "credit_note_issued", _("credit note issued")
        CREDIT_NOTE_CANCELLED = "credit_note_cancelled", _("credit note cancelled")
        RUN_PREPARED = "run_prepared", _("payout run prepared")
        RUN_APPROVED = "run_approved", _("payout run approved")
        RUN_CANCELLED = "run_cancelled", _("payout run cancelled")
        RUN_PAID = "run_paid", _("payout run paid")
        ITEM_RETURNED = "item_returned", _("payout returned by the bank")
        ITEM_RELEASED = "item_released", _("returned payout payable again")
        COLLECTION_PREPARED = "collection_prepared", _("direct debit collection prepared")
        COLLECTION_APPROVED = "collection_approved", _("direct debit collection approved")
        COLLECTION_SUBMITTED = "collection_submitted", _("direct debit collection submitted")
        COLLECTION_CANCELLED = "collection_cancelled", _("direct debit collection cancelled")
        DEBITS_COLLECTED = "debits_collected", _("direct debits collected")
        DEBIT_RETURNED = "debit_returned", _("direct debit returned")

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
    payout_run = models.ForeignKey(
        "PayoutRun",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="log",
        verbose_name=_("payout run"),
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


# ------------------------------------------------------- SEPA direct debit


class DebitMandate(models.Model):
    """A customer's SEPA core direct debit mandate (Lastschriftmandat), recurrent.
    The text the customer agreed to is stored as shown; the mandate is evidence
    (kept 14 months after its last collection at least). No IP address or browser
    data is kept: the SEPA rulebook does not ask for them (data minimisation)."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("active")
        REVOKED = "revoked", _("revoked")

    class Kind(models.TextChoices):
        RECURRENT = "recurrent", _("recurrent")

    customer = models.ForeignKey(
        "orders.Customer",
        on_delete=models.PROTECT,
        related_name="debit_mandates",
        verbose_name=_("customer"),
    )
    # Unique per creditor, at most 35 characters of the SEPA character set.
    reference = models.CharField(_("mandate reference"), max_length=35, unique=True)
    account_holder = models.CharField(_("account holder"), max_length=70)
    iban = models.CharField(_("IBAN"), max_length=34)  # compact, upper case
    bic = models.CharField(_("BIC"), max_length=11, blank=True)
    mandate_text = models.TextField(_("mandate text as shown"))
    language = models.CharField(_("language"), max_length=8)
    creditor_id = models.CharField(_("creditor identifier"), max_length=35)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.RECURRENT)
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.ACTIVE
    )
    signed_at = models.DateTimeField(_("signed at"))
    # Set by the first collection submitted to the bank: later ones are RCUR.
    first_collected_at = models.DateTimeField(_("first collection at"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last collection at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    # The day from which the mandate is kept as evidence: signing, then each
    # collection (the account holder may dispute a debit for 13 months).
    evidence_date = models.DateField(_("kept as evidence from"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["-signed_at", "-pk"]
        verbose_name = _("direct debit mandate")
        verbose_name_plural = _("direct debit mandates")

    def __str__(self):
        return self.reference

    @property
    def iban_masked(self) -> str:
        return iban_mask(self.iban)


class SequenceType(models.TextChoices):
    FIRST = "FRST", _("first collection (FRST)")
    RECURRING = "RCUR", _("recurring collection (RCUR)")


class DebitCollection(models.Model):
    """The direct debits of one collection date, sent to the bank in one
    pain.008.001.08 file: prepared by one admin, approved by another."""

    class Status(models.TextChoices):
        PREPARED = "prepared", _("prepared, waiting for approval")
        APPROVED = "approved", _("approved, SEPA file ready")
        SUBMITTED = "submitted", _("submitted to the bank")
        CANCELLED = "cancelled", _("cancelled")

    collection_date = models.DateField(_("collection date"))
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.PREPARED
    )
    total = models.DecimalField(_("total"), max_digits=14, decimal_places=2, default=0)
    count = models.PositiveIntegerField(_("debits"), default=0)
    prepared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
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
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("submitted by"),
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    sepa_xml = models.BinaryField(_("SEPA file (pain.008.001.08)"), null=True, blank=True)
    sepa_sha256 = models.CharField(_("SHA-256 of the SEPA file"), max_length=64, blank=True)
    message_id = models.CharField(_("message id"), max_length=35, blank=True)
    # One payment information block per sequence type: [{"id", "sequence", "total", "count"}]
    batches = models.JSONField(_("batches"), default=list, blank=True)

    class Meta:
        ordering = ["-collection_date", "-pk"]
        verbose_name = _("direct debit collection")
        verbose_name_plural = _("direct debit collections")
        permissions = [
            ("prepare_debitcollection", _("Can prepare direct debit collections")),
            ("approve_debitcollection", _("Can approve direct debit collections")),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["collection_date"],
                condition=~models.Q(status="cancelled"),
                name="debit_collection_one_per_date",
            ),
        ]

    def __str__(self):
        return f"{self.collection_date} ({self.get_status_display()})"


class OrderDebit(models.Model):
    """An order paid by direct debit: scheduled -> submitted (in an approved
    collection) -> collected (the bank credited it) or returned
    (Rücklastschrift); cancelled if the order went before collection."""

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("scheduled")
        SUBMITTED = "submitted", _("submitted to the bank")
        COLLECTED = "collected", _("collected")
        RETURNED = "returned", _("returned by the bank")
        CANCELLED = "cancelled", _("cancelled")

    order = models.OneToOneField(
        "orders.Order", on_delete=models.PROTECT, related_name="debit", verbose_name=_("order")
    )
    mandate = models.ForeignKey(
        DebitMandate, on_delete=models.PROTECT, related_name="debits", verbose_name=_("mandate")
    )
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2)
    due_date = models.DateField(_("due date"))
    sequence_type = models.CharField(
        _("sequence type"), max_length=4, choices=SequenceType.choices, blank=True
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.SCHEDULED
    )
    collection = models.ForeignKey(
        DebitCollection,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="debits",
        verbose_name=_("collection"),
    )
    end_to_end_id = models.CharField(_("end-to-end id"), max_length=35, blank=True)
    return_reason = models.CharField(_("return reason"), max_length=4, blank=True)
    returned_at = models.DateTimeField(_("returned at"), null=True, blank=True)
    collected_at = models.DateTimeField(_("collected at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["due_date", "pk"]
        verbose_name = _("order direct debit")
        verbose_name_plural = _("order direct debits")
        indexes = [models.Index(fields=["status", "due_date"], name="order_debit_due")]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="order_debit_positive"),
        ]

    def __str__(self):
        return f"{self.order_id} {self.amount} {self.get_status_display()}"


# Reason codes of a returned direct debit (R-transactions of the SEPA core
# rulebook) on top of those a returned transfer carries.
DEBIT_RETURN_REASONS = {
    **RETURN_REASONS,
    "AM04": _("insufficient funds"),
    "MD01": _("no valid mandate"),
    "MD06": _("refund requested by the account holder"),
    "SL01": _("specific service offered by the debtor bank"),
    "BE05": _("creditor not recognised"),
    "DNOR": _("debtor bank not registered"),
    "AM05": _("duplicate collection"),
}


class DebitNotice(models.Model):
    """Outbox of the e-mails a direct debit owes its customer (a returned debit).
    Written in the transaction that records the return; sent by a task after
    commit, or by the periodic sweep when the broker could not take that task."""

    class Kind(models.TextChoices):
        RETURNED = "returned", _("direct debit returned")

    order_debit = models.ForeignKey(
        OrderDebit, on_delete=models.CASCADE, related_name="notices", verbose_name=_("debit")
    )
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("direct debit notice")
        verbose_name_plural = _("direct debit notices")
        constraints = [
            models.UniqueConstraint(fields=["order_debit", "kind"], name="debit_notice_once")
        ]

    def __str__(self):
        return f"{self.order_debit_id}:{self.kind}"
