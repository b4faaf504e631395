from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from orders.models import Order, OrderEvent
from partners.models import Partner

ZERO = Decimal("0")


def volume_field(verbose_name, **kwargs):
    return models.DecimalField(verbose_name, max_digits=16, decimal_places=2, **kwargs)


class Period(models.Model):
    """A calendar month in the company's time zone."""

    class Status(models.TextChoices):
        OPEN = "open", _("open")
        CLOSED = "closed", _("closed")

    start = models.DateField(_("first day"), unique=True)
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.OPEN
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("closed by"),
    )
    # The plan in force when the period closed (the dump_plan document): every
    # statement of the period can say which plan paid it.
    plan = models.JSONField(_("plan in force"), null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-start"]
        verbose_name = _("period")
        verbose_name_plural = _("periods")

    def __str__(self):
        return self.label

    @property
    def label(self) -> str:
        return f"{self.start:%Y-%m}"

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN


class Rank(models.Model):
    level = models.PositiveIntegerField(_("level"), unique=True)
    name = models.CharField(_("name"), max_length=60, unique=True)
    min_pv = volume_field(_("minimum PV"), default=ZERO, validators=[MinValueValidator(ZERO)])
    min_gv = volume_field(_("minimum GV"), default=ZERO, validators=[MinValueValidator(ZERO)])
    max_leg_percent = models.DecimalField(
        _("max. share of one leg (%)"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(ZERO), MaxValueValidator(Decimal("100"))],
    )
    min_qualified_legs = models.PositiveIntegerField(_("qualified legs needed"), default=0)
    leg_rank = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("rank a leg needs"),
    )
    # Commissions (commissions.md section 2).
    customer_percent = models.DecimalField(
        _("customer commission (%)"),
        max_digits=5,
        decimal_places=2,
        default=ZERO,
        validators=[MinValueValidator(ZERO), MaxValueValidator(Decimal("100"))],
    )
    # Percents of the team commission, generation 1 first, as exact decimal strings.
    team_percents = models.JSONField(
        _("team commission per generation (%)"), default=list, blank=True
    )
    advancement_bonus = models.DecimalField(
        _("advancement bonus"),
        max_digits=12,
        decimal_places=2,
        default=ZERO,
        validators=[MinValueValidator(ZERO)],
    )

    class Meta:
        ordering = ["level"]
        verbose_name = _("rank")
        verbose_name_plural = _("ranks")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(min_qualified_legs=0) | models.Q(leg_rank__isnull=False),
                name="rank_leg_rank_when_legs_needed",
            ),
            # Level 0 means "no rank" in the results.
            models.CheckConstraint(
                condition=models.Q(level__gte=1), name="rank_level_at_least_one"
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def leg_cap(self) -> Decimal | None:
        if self.max_leg_percent is None:
            return None
        return self.max_leg_percent / Decimal(100) * self.min_gv


class CommissionSettings(models.Model):
    """The plan-wide commission settings (commissions.md section 2): one row."""

    base_customer_percent = models.DecimalField(
        _("customer commission without a rank (%)"),
        max_digits=5,
        decimal_places=2,
        default=ZERO,
        validators=[MinValueValidator(ZERO), MaxValueValidator(Decimal("100"))],
    )
    active_min_pv = volume_field(
        _("minimum PV to be active"), default=ZERO, validators=[MinValueValidator(ZERO)]
    )
    cap_percent = models.DecimalField(
        _("cap (% of the period's CV)"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(ZERO), MaxValueValidator(Decimal("100"))],
    )
    min_payout = models.DecimalField(
        _("minimum payout"),
        max_digits=12,
        decimal_places=2,
        default=ZERO,
        validators=[MinValueValidator(ZERO)],
    )

    class Meta:
        verbose_name = _("commission settings")
        verbose_name_plural = _("commission settings")

    def __str__(self):
        return str(_("commission settings"))


class VolumeEntry(models.Model):
    """Append-only ledger: never updated or deleted. Corrections are new entries."""

    class Kind(models.TextChoices):
        CUSTOMER = "customer", _("customer volume")
        OWN = "own", _("own volume")

    # Indexes: (order_event, line_no) is unique and (period, partner) indexed,
    # so the single-column FK indexes would only slow down every checkout.
    order_event = models.ForeignKey(
        OrderEvent,
        on_delete=models.PROTECT,
        related_name="volume_entries",
        db_index=False,
        verbose_name=_("event"),
    )
    line_no = models.PositiveSmallIntegerField(_("line number"), default=0)
    order = models.ForeignKey(
        Order, on_delete=models.PROTECT, related_name="volume_entries", verbose_name=_("order")
    )
    period = models.ForeignKey(
        Period,
        on_delete=models.PROTECT,
        related_name="volume_entries",
        db_index=False,
        verbose_name=_("period"),
    )
    partner = models.ForeignKey(
        Partner,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="volume_entries",
        verbose_name=_("partner"),
    )
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    qv = volume_field(_("QV"))
    cv = volume_field(_("CV"), default=ZERO)
    booked_at = models.DateTimeField(_("booked at"), auto_now_add=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("volume entry")
        verbose_name_plural = _("volume ledger")
        constraints = [
            # Replaying an event (retried task, repeated webhook) cannot book twice.
            models.UniqueConstraint(fields=["order_event", "line_no"], name="volume_entry_once"),
        ]
        indexes = [models.Index(fields=["period", "partner"], name="volume_period_partner")]

    def __str__(self):
        return f"{self.order_id}/{self.order_event_id}#{self.line_no}: {self.qv}"


class PendingVolume(models.Model):
    """Ledger entries not yet applied to the results; the queue the task drains."""

    entry = models.OneToOneField(
        VolumeEntry, on_delete=models.PROTECT, primary_key=True, related_name="+"
    )
    period = models.ForeignKey(Period, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    def __str__(self):
        return f"pending entry {self.entry_id}"


class PeriodClose(models.Model):
    """An admin's close of a period, run by the worker: at a million partners
    a close takes minutes, longer than a web request may live. The list of
    periods shows it queued, running (since when), done or failed and why."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("queued")
        RUNNING = "running", _("running")
        DONE = "done", _("done")
        FAILED = "failed", _("failed")

    # Queued or running: at most one per period (the constraint below).
    ACTIVE = (Status.QUEUED, Status.RUNNING)

    period = models.ForeignKey(
        Period, on_delete=models.CASCADE, related_name="closes", verbose_name=_("period")
    )
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.QUEUED
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("requested by"),
    )
    requested_at = models.DateTimeField(_("requested at"), default=timezone.now)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    message = models.TextField(_("message"), blank=True)
    # The requesting admin's language: the worker writes the outcome in it.
    language = models.CharField(_("language"), max_length=8, blank=True)

    class Meta:
        ordering = ["-requested_at", "-pk"]
        verbose_name = _("period close")
        verbose_name_plural = _("period closes")
        constraints = [
            # One close of a period at a time: a second click waits for the first.
            models.UniqueConstraint(
                fields=["period"],
                condition=models.Q(status__in=["queued", "running"]),
                name="period_close_one_at_a_time",
            )
        ]

    def __str__(self):
        return f"{self.period} {self.status}"

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE


class PartnerPeriodStats(models.Model):
    """Results per partner and period, kept live by the volume task."""

    # Derived data, rewritten wholesale by a full recompute (a million rows on a
    # large company): no single-column FK indexes ((partner, period) is unique,
    # (period, paid_as_level) indexed) and no database FK checks, which would
    # cost more than the whole bottom-up pass. Rows are only ever written by
    # services for ids read from the genealogy in the same transaction;
    # deleting a partner or period still cascades here through Django.
    partner = models.ForeignKey(
        Partner,
        on_delete=models.CASCADE,
        related_name="period_stats",
        db_index=False,
        db_constraint=False,
        verbose_name=_("partner"),
    )
    period = models.ForeignKey(
        Period,
        on_delete=models.CASCADE,
        related_name="partner_stats",
        db_index=False,
        db_constraint=False,
        verbose_name=_("period"),
    )
    pv = volume_field(_("PV"), default=ZERO)
    customer_pv = volume_field(_("customer PV"), default=ZERO)
    own_pv = volume_field(_("own PV"), default=ZERO)
    gv = volume_field(_("GV"), default=ZERO)
    # Rank kept as a snapshot (level 0 = none): a later plan change never
    # rewrites the results of a closed period.
    paid_as_level = models.PositiveIntegerField(_("paid-as level"), default=0)
    paid_as_name = models.CharField(_("paid-as rank"), max_length=60, blank=True)
    # Highest paid-as level anywhere in this partner's subtree, self included
    # (0 = none): a leg's qualification for a rank reads it from the leg's root.
    subtree_max_level = models.PositiveIntegerField(default=0)
    # What the partner misses for the next rank above the paid-as one
    # (ranks.next_rank_gap under the plan the row was computed with; None at
    # the top rank), written with the row: the close-to-a-rank list reads the
    # team in this order from an index instead of sorting the whole team.
    next_gap = volume_field(_("missing for the next rank"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["period", "partner"]
        verbose_name = _("partner result")
        verbose_name_plural = _("partner results")
        constraints = [
            models.UniqueConstraint(fields=["partner", "period"], name="stats_once_per_period")
        ]
        # Besides (partner, period) and (period) only the gap to the next rank is
        # indexed: a changed rank or volume touches no other index, and
        # PostgreSQL updates the row in place (HOT, with free room left in each
        # page, see migration 0003) unless the gap changes -- the live task
        # rewrites a whole upline per order; at the top rank (no gap) and with
        # nothing missing but lines, the gap stays as it is.
        indexes = [
            models.Index(fields=["period"], name="stats_period"),
            models.Index(
                fields=["period", "next_gap", "partner"],
                name="stats_next_gap",
                condition=models.Q(next_gap__isnull=False),
            ),
        ]

    def __str__(self):
        return f"{self.partner_id} in {self.period_id}: PV {self.pv}, GV {self.gv}"


class PartnerTitle(models.Model):
    """Title rank: the highest paid-as rank of any closed period. Never goes down."""

    partner = models.OneToOneField(
        Partner,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="title",
        verbose_name=_("partner"),
    )
    level = models.PositiveIntegerField(_("level"))
    name = models.CharField(_("title rank"), max_length=60)
    achieved_in = models.ForeignKey(
        Period, on_delete=models.PROTECT, related_name="+", verbose_name=_("achieved in")
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("title rank of a partner")
        verbose_name_plural = _("title ranks of partners")

    def __str__(self):
        return self.name
