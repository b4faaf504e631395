"""Direct debits: an order's debit, the collection that sends it to the bank,
the reasons a debit comes back, and the notices the customer gets.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .mandates import DebitMandate
from .runs import RETURN_REASONS


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
