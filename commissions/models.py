"""Statements of closed periods and the live estimate of the open one
(commissions.md sections 3 and 4).

A closed period's rows are written once, in the transaction that closes the
period, and never changed: they carry snapshots (paid-as rank, CV, amounts),
not references to anything a later plan change or re-attribution could alter.
"""

from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _

from orders.models import Order
from partners.models import Partner
from qualification.models import Period

ZERO = Decimal("0")


def money_field(verbose_name, **kwargs):
    return models.DecimalField(
        verbose_name, max_digits=16, decimal_places=2, default=ZERO, **kwargs
    )


def exact_field(verbose_name, **kwargs):
    """Amounts before rounding: CV (2 places) x percent (2 places) / 100 has at
    most 6 places; cap-scaled amounts are kept to 10."""
    return models.DecimalField(verbose_name, max_digits=30, decimal_places=10, **kwargs)


class Statement(models.Model):
    """What one partner earned in one closed period."""

    period = models.ForeignKey(
        Period, on_delete=models.PROTECT, related_name="statements", verbose_name=_("period")
    )
    partner = models.ForeignKey(
        Partner, on_delete=models.PROTECT, related_name="statements", verbose_name=_("partner")
    )
    paid_as_level = models.PositiveIntegerField(_("paid-as level"), default=0)
    paid_as_rank_name = models.CharField(_("paid-as rank"), max_length=60, blank=True)
    active_qualified = models.BooleanField(_("active-qualified"), default=False)
    pv = money_field(_("PV"))
    cv = money_field(_("CV"))
    customer_cv = money_field(_("customer CV"))
    own_cv = money_field(_("own CV"))
    # The percent of the customer CV paid (the paid-as rank's, or the base one).
    customer_percent = models.DecimalField(
        _("customer commission (%)"), max_digits=5, decimal_places=2, default=ZERO
    )
    customer_commission = money_field(_("customer commission"))
    team_commission = money_field(_("team commission"))
    advancement_bonus = money_field(_("advancement bonus"))
    total = money_field(_("total"))
    carried_in = money_field(_("carried in"))
    payout = money_field(_("payout"))
    carried_out = money_field(_("carried forward"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["period", "partner"]
        verbose_name = _("commission statement")
        verbose_name_plural = _("commission statements")
        constraints = [
            models.UniqueConstraint(fields=["period", "partner"], name="statement_once_per_period")
        ]
        indexes = [models.Index(fields=["partner", "period"], name="statement_partner_period")]

    def __str__(self):
        return f"{self.partner_id} in {self.period_id}: {self.total}"


class StatementLine(models.Model):
    """One explained amount of a statement."""

    class Kind(models.TextChoices):
        CUSTOMER = "customer", _("customer commission")
        TEAM = "team", _("team commission")
        SKIPPED = "skipped", _("skipped (compressed)")
        BONUS = "bonus", _("advancement bonus")
        CAP = "cap", _("cap")

    class Reason(models.TextChoices):
        INACTIVE = "inactive", _("not active")
        BELOW_MIN_PV = "below_min_pv", _("below the minimum PV")
        TERMINATED = "terminated", _("terminated")

    # No database check either: lines are written only by the close, in the
    # transaction that writes their statements, with the ids just read back;
    # checking a million of them again (a key-share lock on the statement
    # per line at COMMIT) cost more than writing them. Deleting a statement
    # through Django still deletes its lines.
    statement = models.ForeignKey(
        Statement,
        on_delete=models.CASCADE,
        related_name="lines",
        db_constraint=False,
        verbose_name=_("statement"),
    )
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    # Customer lines: the order. Team and skipped lines: the downline partner
    # whose CV it is, and the generation (the one the skipped ancestor would
    # have had for skipped lines; their words say the generation of the team
    # line they explain, selectors.with_paid_generation).
    # Lines are read by statement only: no index or database check on the
    # other references (a million lines are written at a large close).
    order = models.ForeignKey(
        Order,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_constraint=False,
        db_index=False,
        verbose_name=_("order"),
    )
    source_partner = models.ForeignKey(
        Partner,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_constraint=False,
        db_index=False,
        verbose_name=_("from partner"),
    )
    # Skipped lines: the compressed ancestor (on the statement of an ancestor
    # above it that earned from the same downline partner).
    skipped_partner = models.ForeignKey(
        Partner,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_constraint=False,
        db_index=False,
        verbose_name=_("skipped partner"),
    )
    generation = models.PositiveSmallIntegerField(_("generation"), null=True, blank=True)
    cv = models.DecimalField(_("CV"), max_digits=16, decimal_places=2, null=True, blank=True)
    percent = models.DecimalField(
        _("percent"), max_digits=7, decimal_places=4, null=True, blank=True
    )
    # Exact amount before rounding (for a cap line: the change the cap made to
    # the team commission; for a bonus line: the bonus).
    amount = exact_field(_("amount"), default=ZERO)
    # Cap lines: the factor every team commission of the period was multiplied by.
    factor = models.DecimalField(
        _("cap factor"), max_digits=30, decimal_places=20, null=True, blank=True
    )
    rank_name = models.CharField(_("rank"), max_length=60, blank=True)
    reason = models.CharField(_("reason"), max_length=12, choices=Reason.choices, blank=True)

    class Meta:
        ordering = ["statement", "pk"]
        verbose_name = _("statement line")
        verbose_name_plural = _("statement lines")
        indexes = [
            # Every close asks which bonuses were ever paid (once in a lifetime):
            # read from the few bonus lines, not from all lines of all periods.
            models.Index(
                fields=["statement", "rank_name"],
                name="line_bonus_paid",
                condition=models.Q(kind="bonus"),
            ),
        ]

    def __str__(self):
        return f"{self.kind} {self.amount}"


class PeriodCommissionSummary(models.Model):
    """The period-wide figures of a closed period's statements, the cap included."""

    period = models.OneToOneField(
        Period,
        on_delete=models.PROTECT,
        primary_key=True,
        related_name="commission_summary",
        verbose_name=_("period"),
    )
    cv_total = money_field(_("CV of the period"))
    customer_total = exact_field(_("customer commissions (exact)"), default=ZERO)
    team_total = exact_field(_("team commissions before the cap (exact)"), default=ZERO)
    bonus_total = money_field(_("advancement bonuses"))
    cap_limit = exact_field(_("cap limit"), null=True, blank=True)
    # None when no cap applied (factor 1).
    cap_factor = models.DecimalField(
        _("cap factor"), max_digits=30, decimal_places=20, null=True, blank=True
    )
    customer_commission = money_field(_("customer commissions"))
    team_commission = money_field(_("team commissions"))
    advancement_bonus = money_field(_("advancement bonuses paid"))
    total = money_field(_("total"))
    payout_total = money_field(_("payouts"))
    carried_total = money_field(_("carried forward"))
    statement_count = models.PositiveIntegerField(_("statements"), default=0)
    computed_at = models.DateTimeField(_("computed at"))

    class Meta:
        verbose_name = _("commission summary of a period")
        verbose_name_plural = _("commission summaries of periods")

    def __str__(self):
        return f"{self.period}: {self.total}"


class EstimateRun(models.Model):
    """When the estimate of an open period was computed, and its period-wide figures."""

    period = models.OneToOneField(
        Period,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="commission_estimate",
        verbose_name=_("period"),
    )
    computed_at = models.DateTimeField(_("computed at"))
    cv_total = money_field(_("CV of the period"))
    cap_factor = models.DecimalField(
        _("cap factor"), max_digits=30, decimal_places=20, null=True, blank=True
    )
    total = money_field(_("total"))
    estimate_count = models.PositiveIntegerField(_("estimates"), default=0)

    class Meta:
        verbose_name = _("commission estimate run")
        verbose_name_plural = _("commission estimate runs")

    def __str__(self):
        return f"{self.period}: {self.computed_at}"


class Estimate(models.Model):
    """A partner's estimated earnings in the open period (if it closed now)."""

    period = models.ForeignKey(
        Period, on_delete=models.CASCADE, related_name="+", db_index=False, verbose_name=_("period")
    )
    partner = models.ForeignKey(
        Partner,
        on_delete=models.CASCADE,
        related_name="commission_estimates",
        db_index=False,
        db_constraint=False,
        verbose_name=_("partner"),
    )
    paid_as_level = models.PositiveIntegerField(_("paid-as level"), default=0)
    paid_as_rank_name = models.CharField(_("paid-as rank"), max_length=60, blank=True)
    active_qualified = models.BooleanField(_("active-qualified"), default=False)
    cv = money_field(_("CV"))
    customer_cv = money_field(_("customer CV"))
    own_cv = money_field(_("own CV"))
    customer_commission = money_field(_("customer commission"))
    team_commission = money_field(_("team commission"))
    advancement_bonus = money_field(_("advancement bonus"))
    total = money_field(_("total"))
    carried_in = money_field(_("carried in"))
    computed_at = models.DateTimeField(_("computed at"))

    class Meta:
        ordering = ["period", "partner"]
        verbose_name = _("commission estimate")
        verbose_name_plural = _("commission estimates")
        constraints = [
            models.UniqueConstraint(fields=["partner", "period"], name="estimate_once_per_period")
        ]
        indexes = [models.Index(fields=["period"], name="estimate_period")]

    def __str__(self):
        return f"{self.partner_id} in {self.period_id}: ~{self.total}"


class EstimateTeamVolume(models.Model):
    """A partner's team CV by compressed generation in the open period, as the
    last estimate run counted it (integer cents, generation 1 first, comma
    separated), seen as if the partner were active-qualified. The what-if
    simulator reads the rows of a partner's legs instead of the whole team."""

    period = models.ForeignKey(
        Period, on_delete=models.CASCADE, related_name="+", db_index=False, verbose_name=_("period")
    )
    partner = models.ForeignKey(
        Partner,
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,
        db_constraint=False,
        verbose_name=_("partner"),
    )
    generations = models.TextField(_("team CV by generation (cents)"))

    class Meta:
        ordering = ["period", "partner"]
        verbose_name = _("team volume of the estimate")
        verbose_name_plural = _("team volumes of the estimate")
        constraints = [
            models.UniqueConstraint(fields=["partner", "period"], name="estimate_team_once")
        ]
        indexes = [models.Index(fields=["period"], name="estimate_team_period")]

    def __str__(self):
        return f"{self.partner_id} in {self.period_id}: {self.generations}"
