"""Reads for the partner dashboard and the API.

Every function here answers one screen with a constant number of queries: the
team is read through the genealogy's path range (partners.selectors) and the
period's results are LEFT JOINed onto it (a missing PartnerPeriodStats row
means zero volume and no rank), so nothing grows with the size of a team.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.db.models import (
    Count,
    DecimalField,
    Exists,
    F,
    FilteredRelation,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Value,
)
from django.db.models.functions import Coalesce, TruncDate
from django.http import Http404
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from landing.models import LandingVisitDay
from orders.models import Customer, Order
from partners.models import ApiToken, Partner
from partners.selectors import partner_descendants, partner_upline
from qualification.models import PartnerPeriodStats, PartnerTitle, Period, Rank
from qualification.ranks import (
    Leg,
    RankRule,
    leg_is_qualified,
    plan_from_ranks,
    requirements,
)

ZERO = Decimal("0")
HUNDRED = Decimal("100")
VOLUME = DecimalField(max_digits=16, decimal_places=2)
PERIOD_LABEL = re.compile(r"^(\d{4})-(\d{2})$")
# "Close to the next rank": at least this share of the next rank's PV and GV.
CLOSE_SHARE = Decimal("0.8")


# --------------------------------------------------------------------------- urls


def partner_landing_url(*, partner: Partner) -> str:
    return f"{settings.SITE_URL}/{partner.slug}/"


def partner_invite_url(*, partner: Partner) -> str:
    return settings.SITE_URL + reverse("partners:join", args=[partner.slug])


# ------------------------------------------------------------------------ numbers


def volume_display(value: Decimal | int | None) -> str:
    """A volume for people: grouped, localized, no ".00" on whole numbers."""
    value = Decimal(value or 0)
    places = 0 if value == value.to_integral_value() else 2
    return formats.number_format(value, decimal_pos=places, use_l10n=True, force_grouping=True)


# ------------------------------------------------------------------------ periods


def _company_today(at: dt.datetime | None = None) -> dt.date:
    at = at or timezone.now()
    return timezone.localtime(at, ZoneInfo(settings.TIME_ZONE)).date()


def period_current(*, at: dt.datetime | None = None) -> Period:
    """The period (calendar month, company time zone) that contains `at`.

    Uses the qualification engine's `period_for` when it is there, else gets or
    creates the month's Period itself."""
    at = at or timezone.now()
    try:
        from qualification.services import period_for  # noqa: PLC0415
    except ImportError:
        period_for = None
    if period_for is not None:
        period = period_for(at=at)
        if period is not None:
            return period
    start = _company_today(at).replace(day=1)
    period, _created = Period.objects.get_or_create(start=start)
    return period


def period_parse_label(label: str) -> dt.date:
    """ "2026-10" -> date(2026, 10, 1); ValueError with a clear message otherwise."""
    match = PERIOD_LABEL.match((label or "").strip())
    if not match:
        raise ValueError(_("Period must look like YYYY-MM, e.g. 2026-10."))
    year, month = int(match.group(1)), int(match.group(2))
    if not 1 <= month <= 12 or year < 1900:
        raise ValueError(_("Period %(label)s is not a valid month.") % {"label": label})
    return dt.date(year, month, 1)


def period_get_by_start(*, start: dt.date) -> Period | None:
    return Period.objects.filter(start=start).first()


def _next_month(start: dt.date) -> dt.date:
    return dt.date(start.year + start.month // 12, start.month % 12 + 1, 1)


def period_days_left(*, period: Period, today: dt.date | None = None) -> int:
    """Days left in the period, today included; 0 once it is over."""
    today = today or _company_today()
    end = _next_month(period.start)
    if today < period.start:
        return (end - period.start).days
    return max((end - today).days, 0)


# ------------------------------------------------------------------ stats joining


def _with_period_stats(qs: QuerySet[Partner], period: Period) -> QuerySet[Partner]:
    """LEFT JOIN the period's results: pv, customer_pv, own_pv, gv, paid_as_level,
    paid_as_name, subtree_max_level (zeros when the row is missing)."""
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


def _with_has_children(qs: QuerySet[Partner]) -> QuerySet[Partner]:
    return qs.annotate(has_children=Exists(Partner.objects.filter(sponsor=OuterRef("pk"))))


def plan_rules() -> list[RankRule]:
    """The rank plan, highest level first (one query)."""
    return plan_from_ranks(Rank.objects.select_related("leg_rank"))


def _next_rule(plan_desc: list[RankRule], level: int) -> RankRule | None:
    above = [rule for rule in plan_desc if rule.level > level]
    return above[-1] if above else None


# ---------------------------------------------------------- qualification report


@dataclass
class RequirementRow:
    key: str
    label: str
    have: Decimal
    need: Decimal
    missing: Decimal
    percent: int
    met: bool
    is_count: bool = False


@dataclass
class LegRow:
    partner_id: int
    slug: str
    name: str
    first_name: str
    gv: Decimal
    counted: Decimal
    capped: bool
    qualified: bool | None  # None: the rank needs no qualified legs
    explanation: str
    percent_of_need: int = 0


@dataclass
class RankChoice:
    level: int
    name: str


@dataclass
class QualificationProgress:
    partner: Partner
    period: Period
    pv: Decimal
    customer_pv: Decimal
    own_pv: Decimal
    gv: Decimal
    paid_as_level: int
    paid_as_name: str
    title_level: int
    title_name: str
    days_left: int
    rank: RankRule | None  # the rank the report card is about
    rank_is_next: bool
    requirements: list[RequirementRow] = field(default_factory=list)
    legs: list[LegRow] = field(default_factory=list)
    cap_sentences: list[str] = field(default_factory=list)
    higher_ranks: list[RankChoice] = field(default_factory=list)
    leg_cap: Decimal | None = None
    qualified_legs: int = 0

    @property
    def meets_rank(self) -> bool:
        return bool(self.requirements) and all(r.met for r in self.requirements)


def _requirement_label(key: str, rule: RankRule) -> str:
    if key == "pv":
        return _("Personal volume (PV)")
    if key == "qgv":
        if rule.leg_cap is not None:
            return _("Group volume counted for %(rank)s (legs capped)") % {"rank": rule.name}
        return _("Group volume (GV)")
    if key == "legs":
        return _("Legs with a %(rank)s or higher") % {"rank": rule.leg_rank_name}
    return key


def cap_sentence(*, leg_name: str, counted: Decimal, gv: Decimal, rule: RankRule) -> str:
    """'Finn's team counts 600 of its 900 for Silver: at most 60 % of 1,000 may
    come from one team' -- localized numbers, translatable text."""
    return _(
        "%(leg)s's team counts %(counted)s of its %(gv)s for %(rank)s: "
        "at most %(percent)s %% of %(min_gv)s may come from one team"
    ) % {
        "leg": leg_name,
        "counted": volume_display(counted),
        "gv": volume_display(gv),
        "rank": rule.name,
        "percent": volume_display(rule.max_leg_percent),
        "min_gv": volume_display(rule.min_gv),
    }


def _leg_explanation(
    row: Partner, leg: Leg, rule: RankRule, counted: Decimal
) -> tuple[bool | None, str]:
    parts = []
    qualified: bool | None = None
    if rule.min_qualified_legs:
        qualified = leg_is_qualified(leg, rule)
        if qualified:
            parts.append(
                _("qualified: someone in %(leg)s's team is paid as %(leg_rank)s or higher")
                % {"leg": row.first_name, "leg_rank": rule.leg_rank_name}
            )
        else:
            parts.append(
                _("not qualified: nobody in %(leg)s's team is paid as %(leg_rank)s or higher yet")
                % {"leg": row.first_name, "leg_rank": rule.leg_rank_name}
            )
    if counted < leg.gv:
        parts.append(cap_sentence(leg_name=row.first_name, counted=counted, gv=leg.gv, rule=rule))
    else:
        parts.append(_("counts in full (%(gv)s)") % {"gv": volume_display(leg.gv)})
    return qualified, "; ".join(parts)


def qualification_progress(
    *, partner: Partner, period: Period, rank: int | None = None, today: dt.date | None = None
) -> QualificationProgress:
    """Where the partner stands in `period` and what exactly is missing for the
    next rank up (or the chosen higher rank `rank`, a level).

    Four queries, whatever the team size: the partner's results, the direct
    children with their results, the rank plan and the title."""
    stats = PartnerPeriodStats.objects.filter(partner=partner, period=period).first()
    children = list(
        _with_period_stats(Partner.objects.filter(sponsor=partner), period).order_by(
            "-gv", "first_name", "last_name", "pk"
        )
    )
    plan_desc = plan_rules()
    title = PartnerTitle.objects.filter(partner=partner).first()

    pv = stats.pv if stats else ZERO
    paid_as_level = stats.paid_as_level if stats else 0
    progress = QualificationProgress(
        partner=partner,
        period=period,
        pv=pv,
        customer_pv=stats.customer_pv if stats else ZERO,
        own_pv=stats.own_pv if stats else ZERO,
        gv=stats.gv if stats else ZERO,
        paid_as_level=paid_as_level,
        paid_as_name=(stats.paid_as_name if stats else "") or "",
        title_level=title.level if title else 0,
        title_name=title.name if title else "",
        days_left=period_days_left(period=period, today=today) if period.is_open else 0,
        rank=None,
        rank_is_next=True,
        higher_ranks=[
            RankChoice(r.level, r.name) for r in reversed(plan_desc) if r.level > paid_as_level
        ],
    )

    rule = _next_rule(plan_desc, paid_as_level)
    if rank is not None:
        chosen = next((r for r in plan_desc if r.level == rank), None)
        if chosen is not None:
            progress.rank_is_next = chosen is rule
            rule = chosen
    progress.rank = rule

    legs = [Leg(c.pk, c.gv, c.subtree_max_level) for c in children]
    if rule is None:
        progress.legs = [
            LegRow(
                partner_id=c.pk,
                slug=c.slug,
                name=c.full_name,
                first_name=c.first_name,
                gv=c.gv,
                counted=c.gv,
                capped=False,
                qualified=None,
                explanation="",
            )
            for c in children
        ]
        return progress

    cap = rule.leg_cap
    progress.leg_cap = cap
    for row, leg in zip(children, legs, strict=True):
        counted = min(leg.gv, cap) if cap is not None else leg.gv
        qualified, explanation = _leg_explanation(row, leg, rule, counted)
        progress.legs.append(
            LegRow(
                partner_id=row.pk,
                slug=row.slug,
                name=row.full_name,
                first_name=row.first_name,
                gv=leg.gv,
                counted=counted,
                capped=counted < leg.gv,
                qualified=qualified,
                explanation=explanation,
                percent_of_need=_percent(counted, rule.min_gv),
            )
        )
        if counted < leg.gv:
            progress.cap_sentences.append(
                cap_sentence(leg_name=row.first_name, counted=counted, gv=leg.gv, rule=rule)
            )
    progress.qualified_legs = sum(1 for leg in legs if leg_is_qualified(leg, rule))
    for req in requirements(pv, legs, rule):
        progress.requirements.append(
            RequirementRow(
                key=req.key,
                label=_requirement_label(req.key, rule),
                have=req.have,
                need=req.need,
                missing=req.missing,
                percent=req.percent,
                met=req.met,
                is_count=req.key == "legs",
            )
        )
    return progress


def _percent(have: Decimal, need: Decimal) -> int:
    if need <= 0:
        return 100
    return int(min(max(have / need * HUNDRED, ZERO), HUNDRED))


# ------------------------------------------------------------------------ history


@dataclass
class HistoryRow:
    period: Period
    pv: Decimal
    gv: Decimal
    paid_as_level: int
    paid_as_name: str


def partner_history(*, partner: Partner, limit: int = 24) -> list[HistoryRow]:
    """The partner's results per period since they joined, newest first (one query)."""
    joined = _company_today(partner.joined_at).replace(day=1)
    periods = (
        Period.objects.filter(start__gte=joined)
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


# --------------------------------------------------------------------------- team


def team_node_get(*, partner: Partner, node_id: int) -> Partner:
    """The partner themself or someone in their downline; 404 for anyone else."""
    if node_id == partner.pk:
        return partner
    node = partner_descendants(partner=partner).filter(pk=node_id).first()
    if node is None:
        raise Http404("Not in your team.")
    return node


def team_children(*, node: Partner, period: Period) -> list[Partner]:
    """Direct children of a node with their results this period (one query)."""
    qs = _with_has_children(_with_period_stats(Partner.objects.filter(sponsor=node), period))
    return list(qs.order_by("first_name", "last_name", "pk"))


def team_path(*, partner: Partner, node: Partner) -> list[Partner]:
    """The chain from the partner down to the node, both included (one query)."""
    if node.pk == partner.pk:
        return [partner]
    upline = partner_upline(partner=node)
    ids = [p.pk for p in upline]
    below = upline[ids.index(partner.pk) + 1 :] if partner.pk in ids else []
    return [partner, *below, node]


TEAM_SORTS = {
    "name": ("first_name", "last_name", "pk"),
    "-name": ("-first_name", "-last_name", "-pk"),
    "pv": ("pv", "pk"),
    "-pv": ("-pv", "pk"),
    "gv": ("gv", "pk"),
    "-gv": ("-gv", "pk"),
    "rank": ("paid_as_level", "gv", "pk"),
    "-rank": ("-paid_as_level", "-gv", "pk"),
    "depth": ("depth", "first_name", "pk"),
    "-depth": ("-depth", "first_name", "pk"),
}


def _close_to_next_rank_q(plan_desc: list[RankRule]) -> Q:
    """Partners whose PV and GV reach CLOSE_SHARE of their next rank's minimums
    (GV is the upper bound of the capped group volume, so this is a hint)."""
    ascending = list(reversed(plan_desc))
    q = Q(pk__in=[])
    lower = 0
    for rule in ascending:
        q |= (
            Q(paid_as_level__gte=lower, paid_as_level__lt=rule.level)
            & Q(pv__gte=rule.min_pv * CLOSE_SHARE)
            & Q(gv__gte=rule.min_gv * CLOSE_SHARE)
        )
        lower = rule.level
    return q


@dataclass
class TeamMemberHint:
    rank_name: str
    pv_missing: Decimal
    gv_missing: Decimal


def close_hint(*, member: Partner, plan_desc: list[RankRule]) -> TeamMemberHint | None:
    rule = _next_rule(plan_desc, member.paid_as_level)
    if rule is None:
        return None
    if member.pv >= rule.min_pv * CLOSE_SHARE and member.gv >= rule.min_gv * CLOSE_SHARE:
        return TeamMemberHint(
            rank_name=rule.name,
            pv_missing=max(rule.min_pv - member.pv, ZERO),
            gv_missing=max(rule.min_gv - member.gv, ZERO),
        )
    return None


def team_list(
    *,
    partner: Partner,
    period: Period,
    search: str = "",
    sort: str = "name",
    close_only: bool = False,
    plan_desc: list[RankRule] | None = None,
    page: int | str = 1,
    per_page: int = 25,
) -> Page:
    """The whole downline, searchable and sortable, one page at a time
    (a count and a page query). Rows carry pv, gv, paid_as_*, `level` (1 =
    direct child) and `hint` (close to the next rank, or None)."""
    if plan_desc is None:
        plan_desc = plan_rules()
    qs = _with_period_stats(partner_descendants(partner=partner), period)
    search = (search or "").strip()
    if search:
        qs = qs.filter(
            Q(first_name__icontains=search)
            | Q(last_name__icontains=search)
            | Q(slug__icontains=search.lower())
        )
    if close_only:
        qs = qs.filter(_close_to_next_rank_q(plan_desc))
    qs = qs.order_by(*TEAM_SORTS.get(sort, TEAM_SORTS["name"]))
    paginator = Paginator(qs, per_page)
    page_obj = paginator.get_page(page)
    for member in page_obj.object_list:
        member.level = member.depth - partner.depth
        member.hint = close_hint(member=member, plan_desc=plan_desc)
    return page_obj


def team_level(*, partner: Partner, period: Period, level: int) -> QuerySet[Partner]:
    """Everyone `level` generations below the partner (1 = direct children),
    with their results; a queryset for paginating."""
    qs = partner_descendants(partner=partner).filter(depth=partner.depth + level)
    return (
        _with_period_stats(qs, period)
        .select_related("sponsor")
        .order_by("first_name", "last_name", "pk")
    )


def team_size(*, partner: Partner) -> int:
    return partner_descendants(partner=partner).count()


# ---------------------------------------------------------------------- customers


def partner_customers(*, partner: Partner) -> QuerySet[Customer]:
    """Customers bound to the partner, with the orders attributed to the
    partner prefetched (date, status, QV; no addresses)."""
    orders = (
        Order.objects.filter(attributed_partner=partner)
        .only(
            "pk",
            "number",
            "status",
            "placed_at",
            "paid_at",
            "qv",
            "customer_id",
            "currency",
            "total",
        )
        .order_by("-placed_at")
    )
    return (
        Customer.objects.filter(bound_partner=partner)
        .only(
            "pk", "first_name", "last_name", "email", "bound_at", "created_at", "pseudonymised_at"
        )
        .annotate(order_count=Count("orders", filter=Q(orders__attributed_partner=partner)))
        .prefetch_related(Prefetch("orders", queryset=orders, to_attr="partner_orders"))
        .order_by("-bound_at", "-pk")
    )


def partner_orders(*, partner: Partner) -> QuerySet[Order]:
    return Order.objects.filter(attributed_partner=partner).order_by("-placed_at", "-pk")


# ------------------------------------------------------------- landing statistics


@dataclass
class VisitDay:
    day: dt.date
    visits: int
    orders: int

    @property
    def conversion(self) -> Decimal | None:
        if not self.visits:
            return None
        return (Decimal(self.orders) / Decimal(self.visits) * HUNDRED).quantize(Decimal("0.1"))


@dataclass
class LandingStats:
    days: list[VisitDay]
    visits: int
    orders: int

    @property
    def conversion(self) -> Decimal | None:
        if not self.visits:
            return None
        return (Decimal(self.orders) / Decimal(self.visits) * HUNDRED).quantize(Decimal("0.1"))


def landing_stats(
    *, partner: Partner, days: int = 30, today: dt.date | None = None
) -> LandingStats:
    """Visits and orders per day of the last `days` days (two queries). Orders:
    not cancelled, attributed to the partner, by the day they were placed."""
    today = today or _company_today()
    first = today - dt.timedelta(days=days - 1)
    visits = dict(
        LandingVisitDay.objects.filter(partner=partner, day__gte=first, day__lte=today).values_list(
            "day", "visits"
        )
    )
    tz = ZoneInfo(settings.TIME_ZONE)
    start = dt.datetime.combine(first, dt.time.min, tzinfo=tz)
    end = dt.datetime.combine(today + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    order_counts = dict(
        Order.objects.filter(attributed_partner=partner, placed_at__gte=start, placed_at__lt=end)
        .exclude(status=Order.Status.CANCELLED)
        .annotate(day=TruncDate("placed_at", tzinfo=tz))
        .values("day")
        .annotate(n=Count("pk"))
        .values_list("day", "n")
    )
    rows = []
    for offset in range(days):
        day = first + dt.timedelta(days=offset)
        rows.append(VisitDay(day=day, visits=visits.get(day, 0), orders=order_counts.get(day, 0)))
    return LandingStats(
        days=rows, visits=sum(r.visits for r in rows), orders=sum(r.orders for r in rows)
    )


# ------------------------------------------------------------------------- tokens


def partner_api_tokens(*, partner: Partner) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(partner=partner).order_by(
        F("revoked_at").desc(nulls_first=True), "-created_at", "-pk"
    )
