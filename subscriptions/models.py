"""Subscriptions (Abo): a customer's standing order every 1, 2 or 3 months,
paid by SEPA direct debit; each cycle becomes an ordinary order."""

import secrets
from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from orders.models import Customer, Order, Product, money_field, volume_field
from partners.models import Partner

ZERO = Decimal("0")


def token_new() -> str:
    return secrets.token_urlsafe(24)


def number_new() -> str:
    # Read out on the phone and typed into the cancellation page: no 0/O, 1/I/L.
    return "ABO-" + "".join(secrets.choice("ABCDEFGHJKMNPQRSTUVWXYZ23456789") for _ in range(8))


class SubscriptionTerms(models.Model):
    """The company's subscription terms an admin sets (one row)."""

    discount_percent = models.DecimalField(
        _("subscriber discount (%)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("10.00"),
        validators=[MinValueValidator(ZERO), MaxValueValidator(Decimal("50"))],
        help_text=_("Lowers price and CV of every subscription order, never its QV."),
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("subscription terms")
        verbose_name_plural = _("subscription terms")

    def __str__(self):
        return _("Subscriber discount %(percent)s %%") % {"percent": self.discount_percent}


class Subscription(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", _("active")
        PAUSED = "paused", _("paused")
        CANCELLED = "cancelled", _("cancelled")

    class Interval(models.IntegerChoices):
        MONTHLY = 1, _("every month")
        TWO_MONTHS = 2, _("every 2 months")
        THREE_MONTHS = 3, _("every 3 months")

    number = models.CharField(
        _("subscription number"), max_length=16, unique=True, default=number_new
    )
    # The secret behind the signed management link in every e-mail; a new one
    # makes old links stop working.
    token = models.CharField(max_length=64, unique=True, default=token_new, editable=False)
    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, related_name="subscriptions", verbose_name=_("customer")
    )
    email = models.EmailField(_("e-mail"))
    first_name = models.CharField(_("first name"), max_length=100, blank=True)
    last_name = models.CharField(_("last name"), max_length=100, blank=True)
    street = models.CharField(_("street and number"), max_length=200, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=10, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    country = models.CharField(_("country"), max_length=2, default="DE")
    language = models.CharField(_("language"), max_length=8, blank=True)
    # Decided once at creation by the spec's attribution rules (orders.attribution).
    partner = models.ForeignKey(
        Partner,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="subscriptions",
        verbose_name=_("partner"),
    )
    attribution = models.CharField(
        _("attribution"),
        max_length=10,
        choices=Order.Attribution.choices,
        default=Order.Attribution.NONE,
    )
    interval = models.PositiveSmallIntegerField(_("interval"), choices=Interval.choices)
    anchor_day = models.PositiveSmallIntegerField(
        _("day of month"), validators=[MinValueValidator(1), MaxValueValidator(31)]
    )
    first_date = models.DateField(_("first date"))
    next_date = models.DateField(_("next date"), db_index=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE
    )
    # The discount agreed when subscribing: a later change of the terms does not
    # change running contracts.
    discount_percent = models.DecimalField(
        _("subscriber discount (%)"), max_digits=5, decimal_places=2, default=ZERO
    )
    mandate = models.ForeignKey(
        "payouts.DebitMandate",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="subscriptions",
        verbose_name=_("SEPA mandate"),
    )
    # The cycle date the customer was last told the amount of (pre-notification).
    prenotified_for = models.DateField(_("pre-notified for"), null=True, blank=True)
    failure_count = models.PositiveSmallIntegerField(_("returned debits"), default=0)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    paused_at = models.DateTimeField(_("paused at"), null=True, blank=True)
    pause_reason = models.CharField(_("pause reason"), max_length=200, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    cancel_reason = models.CharField(_("cancellation reason"), max_length=200, blank=True)
    # A cancellation by the holder takes effect with the next delivery it stops;
    # until the day before, the signed link can take it back.
    revocable_until = models.DateField(
        _("cancellation can be taken back until"), null=True, blank=True
    )

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("subscription")
        verbose_name_plural = _("subscriptions")
        indexes = [
            models.Index(fields=["status", "next_date"], name="subscription_due"),
            models.Index(fields=["partner", "status"], name="subscription_partner"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(interval__in=[1, 2, 3]), name="subscription_interval_1_2_3"
            ),
        ]

    def __str__(self):
        return self.number


class SubscriptionLine(models.Model):
    subscription = models.ForeignKey(
        Subscription, on_delete=models.CASCADE, related_name="lines", verbose_name=_("subscription")
    )
    product = models.ForeignKey(
        Product, on_delete=models.PROTECT, related_name="+", verbose_name=_("product")
    )
    quantity = models.PositiveIntegerField(_("quantity"), validators=[MinValueValidator(1)])
    # The gross list price the customer agreed to (before the subscriber discount).
    # A price rise applies from `new_price_from` only, after notice; a cut at once.
    unit_price = money_field(_("agreed unit price"))
    new_unit_price = money_field(_("announced unit price"), null=True, blank=True)
    new_price_from = models.DateField(_("announced price from"), null=True, blank=True)
    price_notice_sent_at = models.DateTimeField(_("price notice sent at"), null=True, blank=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("subscription line")
        verbose_name_plural = _("subscription lines")
        constraints = [
            models.UniqueConstraint(
                fields=["subscription", "product"], name="subscription_line_once"
            ),
            models.CheckConstraint(
                condition=models.Q(quantity__gte=1), name="subscription_line_quantity_positive"
            ),
        ]

    def __str__(self):
        return f"{self.quantity} x {self.product}"


class SubscriptionCycle(models.Model):
    """One date of a subscription: its order, or that it was skipped. Unique per
    date, so a retried or doubled run creates nothing twice."""

    class Status(models.TextChoices):
        ORDERED = "ordered", _("ordered")
        SKIPPED = "skipped", _("skipped")

    subscription = models.ForeignKey(
        Subscription,
        on_delete=models.CASCADE,
        related_name="cycles",
        verbose_name=_("subscription"),
    )
    cycle_date = models.DateField(_("date"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices)
    order = models.OneToOneField(
        Order,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="subscription_cycle",
        verbose_name=_("order"),
    )
    qv = volume_field(_("QV"), default=ZERO)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-cycle_date"]
        verbose_name = _("subscription cycle")
        verbose_name_plural = _("subscription cycles")
        constraints = [
            models.UniqueConstraint(
                fields=["subscription", "cycle_date"], name="subscription_cycle_once"
            ),
        ]

    def __str__(self):
        return f"{self.subscription} {self.cycle_date}"


class SubscriptionRun(models.Model):
    """One daily run: what it created and what failed (admin)."""

    run_date = models.DateField(_("date"), db_index=True)
    started_at = models.DateTimeField(_("started at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    orders_created = models.PositiveIntegerField(_("orders created"), default=0)
    prenotifications_sent = models.PositiveIntegerField(_("pre-notifications sent"), default=0)
    price_notices_sent = models.PositiveIntegerField(_("price notices sent"), default=0)
    failures = models.PositiveIntegerField(_("failures"), default=0)
    # [{"subscription": "ABO-…", "error": "…"}]
    errors = models.JSONField(_("errors"), default=list, blank=True)

    class Meta:
        ordering = ["-started_at"]
        verbose_name = _("subscription run")
        verbose_name_plural = _("subscription runs")

    def __str__(self):
        return f"{self.run_date} ({self.started_at:%H:%M})"
