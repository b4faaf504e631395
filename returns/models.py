"""Withdrawals (Widerruf, Art. 11a CRD / §356a BGB) and returns of goods.

A withdrawal is the customer's declaration, kept as it was made (name, e-mail,
the number they typed, date and time), matched to an order or a subscription
when number and e-mail belong together. A return is the goods coming back: its
lines and quantities, received by the warehouse (all or some), each receipt
refunded through orders.services.order_refund. Every step is logged with who
did it (ReturnLog)."""

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from orders.models import Order, OrderLine, Refund
from subscriptions.models import Subscription


class Withdrawal(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("open (refund due)")
        UNMATCHED = "unmatched", _("no matching order")
        LATE = "late", _("after the withdrawal period")
        DONE = "done", _("done")

    class Kind(models.TextChoices):
        ORDER = "order", _("order")
        SUBSCRIPTION = "subscription", _("subscription")

    # What the customer declared, exactly as typed (evidence).
    name = models.CharField(_("name"), max_length=200)
    email = models.EmailField(_("e-mail"))
    reference = models.CharField(_("order or subscription number"), max_length=40)
    declared_at = models.DateTimeField(_("declared at"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices)
    kind = models.CharField(_("contract"), max_length=12, choices=Kind.choices, blank=True)
    order = models.ForeignKey(
        Order,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="withdrawals",
        verbose_name=_("order"),
    )
    subscription = models.ForeignKey(
        Subscription,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="withdrawals",
        verbose_name=_("subscription"),
    )
    # The withdrawal period as it stood when the declaration came (None: open-ended,
    # nothing shipped yet).
    period_ends_at = models.DateTimeField(_("withdrawal period ends"), null=True, blank=True)
    # §357 Abs. 1 BGB: the money goes back within 14 days of the declaration.
    refund_due_on = models.DateField(_("refund due by"), null=True, blank=True)
    acknowledged_at = models.DateTimeField(_("acknowledgement sent at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-declared_at", "-pk"]
        verbose_name = _("withdrawal")
        verbose_name_plural = _("withdrawals")
        indexes = [models.Index(fields=["status", "refund_due_on"], name="withdrawal_status_due")]

    def __str__(self):
        return f"{self.reference} ({self.declared_at:%Y-%m-%d %H:%M})"


class Return(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("expected")
        PARTLY_RECEIVED = "partly", _("partly received")
        RECEIVED = "received", _("received and refunded")
        CANCELLED = "cancelled", _("cancelled")

    class Reason(models.TextChoices):
        WITHDRAWAL = "withdrawal", _("withdrawal")
        DEFECT = "defect", _("complaint (defective or wrong goods)")
        OTHER = "other", _("other")

    order = models.ForeignKey(
        Order, on_delete=models.PROTECT, related_name="returns", verbose_name=_("order")
    )
    withdrawal = models.ForeignKey(
        Withdrawal,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="returns",
        verbose_name=_("withdrawal"),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN
    )
    reason = models.CharField(_("reason"), max_length=12, choices=Reason.choices)
    note = models.CharField(_("note"), max_length=255, blank=True)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("opened by"),
    )
    created_at = models.DateTimeField(_("opened at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("return")
        verbose_name_plural = _("returns")
        permissions = [("receive_return", _("Can mark returned goods as received"))]
        indexes = [models.Index(fields=["status", "-created_at"], name="return_status_created")]

    def __str__(self):
        return f"R-{self.pk} ({self.order_id})"

    @property
    def number(self) -> str:
        return f"R-{self.pk}"


class ReturnLine(models.Model):
    ret = models.ForeignKey(
        Return, on_delete=models.CASCADE, related_name="lines", verbose_name=_("return")
    )
    order_line = models.ForeignKey(
        OrderLine, on_delete=models.PROTECT, related_name="return_lines", verbose_name=_("item")
    )
    quantity = models.PositiveIntegerField(_("quantity"), validators=[MinValueValidator(1)])
    received_quantity = models.PositiveIntegerField(_("received"), default=0)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("return line")
        verbose_name_plural = _("return lines")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(quantity__gte=1), name="return_line_quantity_positive"
            ),
            models.CheckConstraint(
                condition=models.Q(received_quantity__lte=models.F("quantity")),
                name="return_line_received_within_quantity",
            ),
            models.UniqueConstraint(fields=["ret", "order_line"], name="return_line_once"),
        ]

    def __str__(self):
        return f"{self.quantity} x {self.order_line_id}"

    @property
    def outstanding(self) -> int:
        return self.quantity - self.received_quantity


class ReturnLog(models.Model):
    """Who did what to a return, and when (shown on the return in the admin)."""

    ret = models.ForeignKey(
        Return, on_delete=models.CASCADE, related_name="log", verbose_name=_("return")
    )
    from_status = models.CharField(
        _("previous status"), max_length=10, choices=Return.Status.choices, blank=True
    )
    to_status = models.CharField(_("new status"), max_length=10, choices=Return.Status.choices)
    note = models.CharField(_("note"), max_length=255, blank=True)
    refund = models.ForeignKey(
        Refund,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("refund"),
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    created_at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("return log entry")
        verbose_name_plural = _("return log")

    def __str__(self):
        return f"{self.ret_id}: {self.from_status or '–'} → {self.to_status}"
