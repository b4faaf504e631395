"""Reads for the partner dashboard and the API.

The dashboard owns no business data: volume, ranks, legs and periods are read
through qualification.selectors, the team through partners.selectors, and
this module shapes them for the screens (report card wording, team pages).
Every function answers one screen with a constant number of queries: the
team is read through the genealogy's path range and the period's results are
LEFT JOINed onto it, so nothing grows with the size of a team.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
from dataclasses import dataclass, field
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import (
    BooleanField,
    Count,
    F,
    Func,
    Min,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    Window,
)
from django.db.models.functions import Lower, RowNumber, Substr, TruncDate, Upper
from django.http import Http404
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from landing.models import LandingVisitDay
from orders.models import Customer, Order
from partners.genealogy import PATH_HEAD
from partners.models import ApiToken, Partner
from partners.selectors import partner_descendants, partner_upline
from qualification.models import Period
from qualification.periods import next_month
from qualification.ranks import Leg, RankRule, leg_is_qualified, next_rank
from qualification.selectors import (
    partner_report_card,
    partner_title,
    partners_with_period_stats,
    plan_rules,
)
from subscriptions.models import Subscription

ZERO = Decimal("0")
HUNDRED = Decimal("100")
# "Close to the next rank": at least this share of the next rank's PV and GV.
CLOSE_SHARE = Decimal("0.8")


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


def period_days_left(*, period: Period, today: dt.date | None = None) -> int:
    """Days left in the period, today included; 0 once it is over."""
    today = today or _company_today()
    end = next_month(period.start)
    if today < period.start:
        return (end - period.start).days
    return max((end - today).days, 0)


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
    """The report card in words: where the partner stands in `period` and what
    exactly is missing for the next rank up (or the chosen higher rank `rank`,
    a level). Reads qualification.selectors' report card and the title: four
    queries, whatever the team size."""
    card = partner_report_card(partner=partner, period=period, rank=rank)
    title = partner_title(partner=partner)
    stats = card.stats
    rule = card.rank
    progress = QualificationProgress(
        partner=partner,
        period=period,
        pv=stats.pv,
        customer_pv=stats.customer_pv,
        own_pv=stats.own_pv,
        gv=stats.gv,
        paid_as_level=stats.paid_as_level,
        paid_as_name=stats.paid_as_name or "",
        title_level=title.level if title else 0,
        title_name=title.name if title else "",
        days_left=period_days_left(period=period, today=today) if period.is_open else 0,
        rank=rule,
        rank_is_next=card.rank_is_next,
        higher_ranks=[RankChoice(r.level, r.name) for r in card.higher_ranks],
    )
    if rule is None:
        progress.legs = [
            LegRow(
                partner_id=child.pk,
                slug=child.slug,
                name=child.full_name,
                first_name=child.first_name,
                gv=leg.gv,
                counted=leg.gv,
                capped=False,
                qualified=None,
                explanation="",
            )
            for child, leg in card.legs
        ]
        return progress

    cap = rule.leg_cap
    progress.leg_cap = cap
    for child, leg in card.legs:
        counted = min(leg.gv, cap) if cap is not None else leg.gv
        qualified, explanation = _leg_explanation(child, leg, rule, counted)
        progress.legs.append(
            LegRow(
                partner_id=child.pk,
                slug=child.slug,
                name=child.full_name,
                first_name=child.first_name,
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
                cap_sentence(leg_name=child.first_name, counted=counted, gv=leg.gv, rule=rule)
            )
    progress.qualified_legs = sum(1 for _child, leg in card.legs if leg_is_qualified(leg, rule))
    for req in card.requirements:
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
    """Direct children of a node with their results this period (one query;
    `team_size` tells whether a child has a team to open)."""
    qs = partners_with_period_stats(Partner.objects.filter(sponsor=node), period=period)
    return list(qs.order_by("first_name", "last_name", "pk"))


def team_path(*, partner: Partner, node: Partner) -> list[Partner]:
    """The chain from the partner down to the node, both included (one query)."""
    if node.pk == partner.pk:
        return [partner]
    upline = partner_upline(partner=node)
    ids = [p.pk for p in upline]
    below = upline[ids.index(partner.pk) + 1 :] if partner.pk in ids else []
    return [partner, *below, node]


# The team list's orders, each ending in the id so that it is total (a key
# cursor needs that). "team" -- the genealogy's order: by the path's indexed head,
# then id -- is read straight from the index (partners' partner_path_head on
# (path head, id)): a page reads a page of rows, however large the team. The
# others sort the team's rows first.
TEAM_SORTS = {
    "team": ("path_head", "pk"),
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
TEAM_SORT_DEFAULT = "team"
_KEY_TYPES = {
    "path_head": str,
    "first_name": str,
    "last_name": str,
    "pk": int,
    "pv": Decimal,
    "gv": Decimal,
    "paid_as_level": int,
    "depth": int,
}
# Above this many matches a search shows "more than ..." instead of counting on.
TEAM_COUNT_LIMIT = 1000


class RowCompare(Func):
    """(a, b, ...) > (x, y, ...) -- a row comparison, which both databases read
    as one range of a composite index (an OR of column comparisons is not)."""

    output_field = BooleanField()

    def __init__(self, names: list[str], op: str, values: list):
        if op not in {">", "<"}:
            raise ValueError(op)
        self.op, self.width = op, len(names)
        super().__init__(*[F(name) for name in names], *[Value(value) for value in values])

    def as_sql(self, compiler, connection, **extra_context):
        parts, params = [], []
        for expression in self.get_source_expressions():
            sql, expression_params = compiler.compile(expression)
            parts.append(sql)
            params.extend(expression_params)
        left, right = ", ".join(parts[: self.width]), ", ".join(parts[self.width :])
        return f"({left}) {self.op} ({right})", params


def _key_values(member: Partner, order: tuple[str, ...]) -> list:
    values = []
    for item in order:
        name = item.lstrip("-")
        if name == "path_head":
            values.append(member.path[:PATH_HEAD])
        else:
            values.append(getattr(member, name))
    return values


def team_cursor_encode(values: list) -> str:
    raw = json.dumps([str(value) for value in values], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def team_cursor_decode(cursor: str, order: tuple[str, ...]) -> list | None:
    """The key values in a cursor for `order`; None for anything else."""
    if not cursor:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        texts = json.loads(raw)
        if not isinstance(texts, list) or len(texts) != len(order):
            return None
        return [_KEY_TYPES[item.lstrip("-")](text) for item, text in zip(order, texts, strict=True)]
    except (ValueError, TypeError, ArithmeticError, binascii.Error):
        return None


def _beyond(order: tuple[str, ...], values: list) -> Q:
    """Rows after the key `values` in `order`: one row comparison when all
    columns run the same way (an index range), else the OR of its steps."""
    names = [item.lstrip("-") for item in order]
    descending = [item.startswith("-") for item in order]
    if len(set(descending)) == 1:
        # The bound on the first column alone lets a planner start the index
        # range at the cursor even where it does not read the row comparison so.
        first = Q(**{f"{names[0]}__{'lte' if descending[0] else 'gte'}": values[0]})
        return first & Q(RowCompare(names, "<" if descending[0] else ">", values))
    q = Q(pk__in=[])
    for i, (name, desc) in enumerate(zip(names, descending, strict=True)):
        step = Q(**dict(zip(names[:i], values[:i], strict=True)))
        step &= Q(**{f"{name}__{'lt' if desc else 'gt'}": values[i]})
        q |= step
    return q


def _reversed(order: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(item[1:] if item.startswith("-") else f"-{item}" for item in order)


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
    rule = next_rank(plan_desc, member.paid_as_level)
    if rule is None:
        return None
    if member.pv >= rule.min_pv * CLOSE_SHARE and member.gv >= rule.min_gv * CLOSE_SHARE:
        return TeamMemberHint(
            rank_name=rule.name,
            pv_missing=max(rule.min_pv - member.pv, ZERO),
            gv_missing=max(rule.min_gv - member.gv, ZERO),
        )
    return None


@dataclass
class TeamPage:
    """One page of the team list. `total`: everyone (the stored team size), or
    the matches of a search, counted up to TEAM_COUNT_LIMIT (`total_is_more`)."""

    object_list: list[Partner]
    total: int
    total_is_more: bool = False
    next_cursor: str = ""
    previous_cursor: str = ""

    @property
    def has_next(self) -> bool:
        return bool(self.next_cursor)

    @property
    def has_previous(self) -> bool:
        return bool(self.previous_cursor)

    @property
    def has_other_pages(self) -> bool:
        return self.has_next or self.has_previous


def team_list(
    *,
    partner: Partner,
    period: Period,
    search: str = "",
    sort: str = TEAM_SORT_DEFAULT,
    close_only: bool = False,
    plan_desc: list[RankRule] | None = None,
    after: str = "",
    before: str = "",
    per_page: int = 25,
) -> TeamPage:
    """The whole downline, searchable and sortable, one page at a time, paged
    by a key cursor (`after` / `before` the row a cursor names; a cursor that
    does not fit the order starts at the first page). Unfiltered, one query:
    the count is the stored team size. Rows carry pv, gv, paid_as_*, `level`
    (1 = direct child) and `hint` (close to the next rank, or None)."""
    if plan_desc is None:
        plan_desc = plan_rules()
    order = TEAM_SORTS.get(sort, TEAM_SORTS[TEAM_SORT_DEFAULT])
    qs = partners_with_period_stats(partner_descendants(partner=partner), period=period)
    search = (search or "").strip()
    if search:
        qs = qs.filter(
            Q(first_name__icontains=search)
            | Q(last_name__icontains=search)
            | Q(slug__icontains=search.lower())
        )
    if close_only:
        qs = qs.filter(_close_to_next_rank_q(plan_desc))

    matches = qs
    backwards = False
    key = team_cursor_decode(after, order)
    if key is None:
        key = team_cursor_decode(before, order)
        backwards = key is not None
    if backwards:
        rows = list(
            qs.filter(_beyond(_reversed(order), key)).order_by(*_reversed(order))[: per_page + 1]
        )
        more_before = len(rows) > per_page
        rows = rows[:per_page][::-1]
        more_after = True
    else:
        if key is not None:
            qs = qs.filter(_beyond(order, key))
        rows = list(qs.order_by(*order)[: per_page + 1])
        more_after = len(rows) > per_page
        rows = rows[:per_page]
        more_before = key is not None

    if search or close_only:
        # Bounded: a search that matches half of 50,000 need not count them all.
        total = matches.order_by()[: TEAM_COUNT_LIMIT + 1].count()
        page = TeamPage(
            object_list=rows,
            total=min(total, TEAM_COUNT_LIMIT),
            total_is_more=total > TEAM_COUNT_LIMIT,
        )
    else:
        page = TeamPage(object_list=rows, total=partner.team_size)
    if rows:
        if more_after:
            page.next_cursor = team_cursor_encode(_key_values(rows[-1], order))
        if more_before:
            page.previous_cursor = team_cursor_encode(_key_values(rows[0], order))
    shared = {m.pk for m in rows if m.contact_shared_at is not None}
    emails = (
        dict(Partner.objects.filter(pk__in=shared).values_list("pk", "user__email"))
        if shared
        else {}
    )
    for member in rows:
        member.level = member.depth - partner.depth
        member.hint = close_hint(member=member, plan_desc=plan_desc)
        # Only what the member chose to share with their upline (profile opt-in).
        member.shared_email = emails.get(member.pk, "")
        if member.pk not in shared:
            member.phone = ""
    return page


def team_level(*, partner: Partner, period: Period, level: int) -> QuerySet[Partner]:
    """Everyone `level` generations below the partner (1 = direct children),
    with their results; a queryset for paginating."""
    qs = partner_descendants(partner=partner).filter(depth=partner.depth + level)
    return (
        partners_with_period_stats(qs, period=period)
        .select_related("sponsor")
        .order_by("first_name", "last_name", "pk")
    )


# ---------------------------------------------------------------------- customers


def partner_customers(*, partner: Partner) -> QuerySet[Customer]:
    """Customers bound to the partner, with the orders attributed to the
    partner prefetched (date, status, QV; no addresses).

    `first_order_at`: their first order with the partner ("customer since").
    `first_delivery_on`: the next date of their running subscription with the
    partner (a subscription customer without an order yet: "no delivery yet").
    `same_name_no`: partners see a first name and an initial only, so two
    "Anna M." are told apart by number in the order they became customers
    ("Anna M.", "Anna M. (2)"), stable across pages."""
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
        .annotate(
            order_count=Count("orders", filter=Q(orders__attributed_partner=partner)),
            first_order_at=Min("orders__placed_at", filter=Q(orders__attributed_partner=partner)),
            first_delivery_on=Subquery(
                Subscription.objects.filter(
                    customer=OuterRef("pk"), partner=partner, status=Subscription.Status.ACTIVE
                )
                .order_by("next_date")
                .values("next_date")[:1]
            ),
            same_name_no=Window(
                RowNumber(),
                partition_by=[Lower("first_name"), Upper(Substr("last_name", 1, 1))],
                order_by=[F("bound_at").asc(nulls_last=True), F("pk").asc()],
            ),
        )
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
        """Orders per visit over the days on which visits were counted: an order
        of a day without counted visits (before counting began, or a visitor
        whose browser did not run the counting script) would push the rate up
        with nothing to divide by."""
        counted = [day for day in self.days if day.visits]
        visits = sum(day.visits for day in counted)
        if not visits:
            return None
        orders = sum(day.orders for day in counted)
        return (Decimal(orders) / Decimal(visits) * HUNDRED).quantize(Decimal("0.1"))


def landing_stats(
    *, partner: Partner, days: int = 30, today: dt.date | None = None
) -> LandingStats:
    """Visits and orders per day of the last `days` days (two queries).

    Orders are counted the way visits are: those placed through the partner's
    page (the checkout saw it as the referral) and attributed to the partner,
    not their own orders (their own visits are not counted either), not
    cancelled, by the day they were placed."""
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
        Order.objects.filter(
            attributed_partner=partner,
            referral_slug=partner.slug,
            placed_at__gte=start,
            placed_at__lt=end,
        )
        .exclude(status=Order.Status.CANCELLED)
        .exclude(attribution=Order.Attribution.SELF)
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
