"""The payouts log: one row per thing that happened to money, who did it and why."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from partners.models import Partner


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
