"""Reads of the qualification engine for the dashboard, exports and admin.

Results rows (PartnerPeriodStats) exist only for partners with volume in their
team in that period: a MISSING ROW MEANS ZEROS AND NO RANK. `partner_stats`
returns such an unsaved zero row, and `partners_with_period_stats` LEFT JOINs
zeros, so callers never need to care.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import (
    Case,
    DecimalField,
    Exists,
    F,
    FilteredRelation,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone

from partners.models import Partner
from partners.selectors import partner_descendants

from .models import PartnerPeriodStats, PartnerTitle, PendingVolume, Period, PeriodClose, Rank
from .periods import month_start, next_month, period_parse
from .ranks import (
    Leg,
    RankRule,
    Requirement,
    next_rank,
    next_rank_gap,
    plan_from_ranks,
    requirements,
)

ZERO = Decimal("0")
VOLUME = DecimalField(max_digits=16, decimal_places=2)


def period_by_label(label: str) -> Period | None:
    """The period "YYYY-MM", or None if it was never created (no volume yet).
    Raises ValidationError for a malformed label."""
    return Period.objects.filter(start=period_parse(label)).first()


def period_list(*, status: str | None = None) -> QuerySet[Period]:
    qs = Period.objects.all()
    return qs.filter(status=status) if status else qs


def partner_stats(*, partner: Partner, period: Period) -> PartnerPeriodStats:
    """The partner's results in the period; an unsaved all-zero row when the
    partner's team had no volume (missing row = zeros, no rank)."""
    stats = PartnerPeriodStats.objects.filter(partner=partner, period=period).first()
    if stats is None:
        stats = PartnerPeriodStats(partner=partner, period=period)
    return stats


def partners_with_period_stats(qs: QuerySet[Partner], *, period: Period) -> QuerySet[Partner]:
    """`qs` with the period's results LEFT JOINed: pv, customer_pv, own_pv, gv,
    paid_as_level, paid_as_name, subtree_max_level (zeros and no rank when the
    row is missing). Adds one join, no query."""
    return qs.annotate(
        st=FilteredRelation("period_stats", condition=Q(period_stats__period=period)),
    ).annotate(
        pv=Coalesce(F("st__pv"), Value(ZERO), output_field=VOLUME),
        customer_pv=Coalesce(F("st__customer_pv"), Value(ZERO), output_field=VOLUME),
        own_pv=Coalesce(F("st__own_pv"), Value(ZERO), output_field=VOLUME),
        gv=Coalesce(F("st__gv"), Value(ZERO), output_field=VOLUME),
        paid_as_level=Coalesce(F("st__paid_as_level"), Value(0), output_field=IntegerField()),
        paid_as_name=Coalesce(F("st__paid_as_name"), Value("")),
        subtree_max_level=Coalesce(
            F("st__subtree_max_level"), Value(0), output_field=IntegerField()
        ),
    )


def partner_legs(*, partner: Partner, period: Period) -> list[tuple[Partner, Leg]]:
    """The partner's legs in the period: (direct child with its results, Leg(gv,
    subtree max level)) for every direct child, highest GV first, then by name.
    A child without a results row is a leg with GV 0 and no rank. One query."""
    children = partners_with_period_stats(
        Partner.objects.filter(sponsor=partner), period=period
    ).order_by("-gv", "first_name", "last_name", "pk")
    return [
        (c, Leg(partner_id=c.pk, gv=c.gv, subtree_max_level=c.subtree_max_level)) for c in children
    ]


def plan_rules() -> list[RankRule]:
    """The current plan as pure rules, highest level first (see ranks.py). One query."""
    return plan_from_ranks(Rank.objects.select_related("leg_rank"))


@dataclass
class ReportCard:
    """Where a partner stands in a period and what a rank needs: the "rank
    report card". `rank` is the next rank up (or the chosen one), None at the top."""

    stats: PartnerPeriodStats
    plan: list[RankRule]  # highest level first
    rank: RankRule | None
    rank_is_next: bool
    legs: list[tuple[Partner, Leg]] = field(default_factory=list)
    requirements: list[Requirement] = field(default_factory=list)

    @property
    def higher_ranks(self) -> list[RankRule]:
        """The ranks above the paid-as rank, lowest first."""
        return [r for r in reversed(self.plan) if r.level > self.stats.paid_as_level]


def partner_report_card(*, partner: Partner, period: Period, rank: int | None = None) -> ReportCard:
    """The partner's results, legs and the requirements of the next rank above
    the paid-as rank (or of the rank with level `rank`, if the plan has it) with
    have / need / missing. Three queries, whatever the team size."""
    stats = partner_stats(partner=partner, period=period)
    plan = plan_rules()
    legs = partner_legs(partner=partner, period=period)
    upcoming = next_rank(plan, stats.paid_as_level)
    rule = upcoming
    if rank is not None:
        rule = next((r for r in plan if r.level == rank), upcoming)
    card = ReportCard(stats=stats, plan=plan, rank=rule, rank_is_next=rule is upcoming, legs=legs)
    if rule is not None:
        card.requirements = requirements(stats.pv, [leg for _child, leg in legs], rule)
    return card


def partner_title(*, partner: Partner) -> PartnerTitle | None:
    return PartnerTitle.objects.filter(partner=partner).select_related("achieved_in").first()


@dataclass
class HistoryRow:
    period: Period
    pv: Decimal
    gv: Decimal
    paid_as_level: int
    paid_as_name: str


def partner_history(*, partner: Partner, limit: int = 24) -> list[HistoryRow]:
    """The partner's results per period since the month they joined, newest
    first; zeros for periods without a results row. One query."""
    periods = (
        Period.objects.filter(start__gte=month_start(partner.joined_at))
        .annotate(st=FilteredRelation("partner_stats", condition=Q(partner_stats__partner=partner)))
        .annotate(
            pv=Coalesce(F("st__pv"), Value(ZERO), output_field=VOLUME),
            gv=Coalesce(F("st__gv"), Value(ZERO), output_field=VOLUME),
            paid_as_level=Coalesce(F("st__paid_as_level"), Value(0), output_field=IntegerField()),
            paid_as_name=Coalesce(F("st__paid_as_name"), Value("")),
        )
        .order_by("-start")[:limit]
    )
    return [HistoryRow(p, p.pv, p.gv, p.paid_as_level, p.paid_as_name) for p in periods]


def pending_period_ids(*, older_than: timedelta) -> list[int]:
    cutoff = timezone.now() - older_than
    return sorted(
        set(PendingVolume.objects.filter(created_at__lt=cutoff).values_list("period_id", flat=True))
    )


def period_last_day(*, period: Period) -> date:
    """The last day that belongs to the period (its end is the midnight after it)."""
    return next_month(period.start) - timedelta(days=1)


def period_close_last_duration() -> timedelta | None:
    """How long the last finished close ran: what an admin can expect while
    one runs (a close is one transaction, it has no midpoint to report)."""
    last = (
        PeriodClose.objects.filter(
            status=PeriodClose.Status.DONE, started_at__isnull=False, finished_at__isnull=False
        )
        .order_by("-finished_at")
        .values_list("started_at", "finished_at")
        .first()
    )
    return last[1] - last[0] if last else None


def decimal_plain(value: Decimal) -> str:
    """100.00 -> "100", 12.50 -> "12.5" (plan-file style, no exponent)."""
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text or "0"


def plan_dump() -> dict:
    """The stored plan in the plan-file format of data-exchange.md, with the
    commission keys of commissions.md section 2."""
    from .models import CommissionSettings
    from .plan_fields import dump_commission_settings, dump_rank_commission

    settings = CommissionSettings.objects.order_by("pk").first() or CommissionSettings()
    return {
        "ranks": [
            {
                "level": r.level,
                "name": r.name,
                "min_pv": decimal_plain(r.min_pv),
                "min_gv": decimal_plain(r.min_gv),
                "max_leg_percent": decimal_plain(r.max_leg_percent)
                if r.max_leg_percent is not None
                else None,
                "min_qualified_legs": r.min_qualified_legs,
                "leg_rank": r.leg_rank.name if r.leg_rank_id else None,
                **dump_rank_commission(r),
            }
            for r in Rank.objects.select_related("leg_rank").order_by("level")
        ],
        "commissions": dump_commission_settings(settings),
    }


# ------------------------------------------------------------- close to a rank


def team_nearest_ranks(
    *, partner: Partner, period: Period, plan_desc: list[RankRule], offset: int = 0, limit: int = 20
) -> tuple[list[Partner], bool]:
    """Team members ordered by how little volume they miss for their next rank
    (the lowest rank above their paid-as rank): `missing` = max(min_pv - PV,
    min_gv - GV, 0) (ranks.next_rank_gap), the least additional PV for that
    rank's volume when its QGV equals GV (no leg cap) and a lower bound
    otherwise (GV >= QGV; see qualification/whatif.py). Members at the top rank
    and terminated partners are left out; ties by id. Rows carry next_level and
    missing besides the period's results; returns (rows, whether more follow).

    Never sorts the whole team: members with a results row are read in the
    order of the gap stored on the row (`next_gap`, indexed with the period),
    so for a large team the index scan stops after the page's rows, and a small
    team is read by its path range and sorted (the planner picks by the team's
    share of the period's rows). Members without a row (no volume in their
    team) all miss the same, the lowest rank's volume; they are read in id
    order by a second query only when the page reaches that gap. One or two
    queries, whatever the size of the team."""
    ascending = list(reversed(plan_desc))
    if not ascending:
        return [], False
    next_level = Case(
        *[When(paid_as_level__lt=r.level, then=Value(r.level)) for r in ascending],
        default=Value(0),
        output_field=IntegerField(),
    )
    missing = Case(
        *[
            When(
                paid_as_level__lt=r.level,
                then=Greatest(
                    Value(r.min_pv, output_field=VOLUME) - F("pv"),
                    Value(r.min_gv, output_field=VOLUME) - F("gv"),
                    Value(ZERO, output_field=VOLUME),
                    output_field=VOLUME,
                ),
            )
            for r in ascending
        ],
        default=Value(ZERO),
        output_field=VOLUME,
    )
    wanted = offset + limit + 1
    members = (
        partner_descendants(partner=partner)
        .only("first_name", "last_name", "slug", "status")
        .exclude(status=Partner.Status.TERMINATED)
    )
    # One join on the period's row, read in the stored gap's order (an INNER
    # join that the index on (period, next_gap, partner) can drive).
    with_row = list(
        members.filter(period_stats__period=period, period_stats__next_gap__isnull=False)
        .annotate(
            pv=F("period_stats__pv"),
            customer_pv=F("period_stats__customer_pv"),
            own_pv=F("period_stats__own_pv"),
            gv=F("period_stats__gv"),
            paid_as_level=F("period_stats__paid_as_level"),
            paid_as_name=F("period_stats__paid_as_name"),
            subtree_max_level=F("period_stats__subtree_max_level"),
            gap=F("period_stats__next_gap"),
        )
        .filter(paid_as_level__lt=ascending[-1].level)
        .annotate(next_level=next_level, missing=missing)
        .order_by("gap", "pk")[:wanted]
    )
    no_row_gap = next_rank_gap(plan_desc, ZERO, ZERO, 0)
    rows = with_row
    if len(with_row) < wanted or with_row[-1].gap >= no_row_gap:
        zero = Value(ZERO, output_field=VOLUME)
        without_row = list(
            members.filter(
                ~Exists(PartnerPeriodStats.objects.filter(partner=OuterRef("pk"), period=period))
            )
            .annotate(
                pv=zero,
                customer_pv=zero,
                own_pv=zero,
                gv=zero,
                paid_as_level=Value(0),
                paid_as_name=Value(""),
                subtree_max_level=Value(0),
                next_level=Value(ascending[0].level),
                missing=Value(no_row_gap, output_field=VOLUME),
                gap=Value(no_row_gap, output_field=VOLUME),
            )
            .order_by("pk")[:wanted]
        )
        rows = sorted(with_row + without_row, key=lambda m: (m.gap, m.pk))
    rows = rows[offset:wanted]
    return rows[:limit], len(rows) > limit
