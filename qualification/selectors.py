"""Reads of the qualification engine for the dashboard, exports and admin.

Results rows (PartnerPeriodStats) exist only for partners with volume in their
team in that period: a MISSING ROW MEANS ZEROS AND NO RANK. `partner_stats`
returns such an unsaved zero row, so callers never need to care.
"""

from datetime import date, timedelta
from decimal import Decimal

from django.db.models import QuerySet
from django.utils import timezone

from partners.models import Partner

from .models import PartnerPeriodStats, PartnerTitle, PendingVolume, Period, Rank
from .periods import period_parse
from .ranks import Leg, RankRule, Requirement, plan_from_ranks, requirements


def period_start_from_label(label: str) -> date:
    """'2026-10' -> date(2026, 10, 1); ValidationError otherwise (periods.period_parse)."""
    return period_parse(label)


def period_by_label(label: str) -> Period | None:
    """The period "YYYY-MM", or None if it was never created (no volume yet).
    Raises ValidationError for a malformed label."""
    return Period.objects.filter(start=period_start_from_label(label)).first()


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


def period_stats_by_partner(*, period: Period) -> dict[int, PartnerPeriodStats]:
    """All stored rows of a period by partner id (missing ids = zeros), one query.
    For exports: iterate partners and look up, defaulting to zeros."""
    return {s.partner_id: s for s in PartnerPeriodStats.objects.filter(period=period).iterator(chunk_size=10_000)}


def partner_legs(*, partner: Partner, period: Period) -> list[tuple[Partner, Leg]]:
    """The partner's legs in the period: (direct child, Leg(gv, subtree max
    level)) for every child whose team has volume, highest GV first. Children
    without a row have GV 0 and no rank in their team. One query."""
    rows = (
        PartnerPeriodStats.objects.filter(period=period, partner__sponsor=partner)
        .select_related("partner")
        .order_by("-gv", "partner__slug")
    )
    return [(s.partner, Leg(partner_id=s.partner_id, gv=s.gv, subtree_max_level=s.subtree_max_level)) for s in rows]


def plan_rules() -> list[RankRule]:
    """The current plan as pure rules, highest level first (see ranks.py)."""
    return plan_from_ranks(Rank.objects.select_related("leg_rank"))


def partner_next_rank(
    *, partner: Partner, period: Period
) -> tuple[PartnerPeriodStats, RankRule | None, list[Requirement]]:
    """(results, the next rank above the paid-as rank, its requirements with
    have / need / missing) — the "rank report card". Three queries."""
    stats = partner_stats(partner=partner, period=period)
    rules = plan_rules()
    above = [r for r in rules if r.level > stats.paid_as_level]
    if not above:
        return stats, None, []
    nxt = min(above, key=lambda r: r.level)
    legs = [leg for _child, leg in partner_legs(partner=partner, period=period)]
    return stats, nxt, requirements(stats.pv, legs, nxt)


def partner_title(*, partner: Partner) -> PartnerTitle | None:
    return PartnerTitle.objects.filter(partner=partner).select_related("achieved_in").first()


def pending_period_ids(*, older_than: timedelta) -> list[int]:
    cutoff = timezone.now() - older_than
    return sorted(set(PendingVolume.objects.filter(created_at__lt=cutoff).values_list("period_id", flat=True)))


def decimal_plain(value: Decimal) -> str:
    """100.00 -> "100", 12.50 -> "12.5" (plan-file style, no exponent)."""
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text or "0"


def plan_dump() -> dict:
    """The stored plan in the plan-file format of data-exchange.md."""
    return {
        "ranks": [
            {
                "level": r.level,
                "name": r.name,
                "min_pv": decimal_plain(r.min_pv),
                "min_gv": decimal_plain(r.min_gv),
                "max_leg_percent": decimal_plain(r.max_leg_percent) if r.max_leg_percent is not None else None,
                "min_qualified_legs": r.min_qualified_legs,
                "leg_rank": r.leg_rank.name if r.leg_rank_id else None,
            }
            for r in Rank.objects.select_related("leg_rank").order_by("level")
        ]
    }

