"""SEPA direct-debit mandates a customer gives at checkout or for a subscription."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from .profiles import iban_mask


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
