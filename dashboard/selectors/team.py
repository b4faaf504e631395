"""The team pages: the tree (a node, its children, the path down to it) and the
team list with its sorts, search and key cursor, and the "close to the next
rank" hint. The team is read through the genealogy's path range with the
period's results LEFT JOINed onto it: one query a page, whatever the team's size."""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import BooleanField, F, Func, Q, QuerySet, Value
from django.http import Http404

from partners.genealogy import PATH_HEAD
from partners.models import Partner
from partners.selectors import partner_descendants, partner_upline
from qualification.models import Period
from qualification.ranks import RankRule, next_rank
from qualification.selectors import partners_with_period_stats, plan_rules

from .display import ZERO

# "Close to the next rank": at least this share of the next rank's PV and GV.
CLOSE_SHARE = Decimal("0.8")


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
