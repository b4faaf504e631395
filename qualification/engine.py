"""The arithmetic of a period's results, shared by the incremental task and the
full recompute so the two can never disagree.

Both paths call `node()` for every partner they (re)evaluate:

    GV          = PV + sum of the GV of the direct children (the legs)
    paid-as     = ranks.paid_as(PV, legs, plan)          (spec section 5)
    subtree max = max(own paid-as level, legs' subtree max)

Volumes travel as integer cents: the ledger has exactly two decimal places, so
`Decimal <-> cents` is exact and integer sums are fast. The plan is scaled by
100 the same way (every rank rule is homogeneous in volume: sums, min() with a
cap that is a share of min GV, and >= comparisons), so evaluating the scaled
rules on cents gives exactly the rank the Decimal rules give on the Decimals.

A partner without a results row counts as all zeros with no rank. That is
exact because no rank can be met without volume (ranks.py callers refuse a rank
that asks for nothing: see services.rank_validate), so a partner whose whole
team has no volume has no rank either.
"""

from collections import namedtuple
from collections.abc import Iterable, Sequence
from decimal import Decimal
from functools import cached_property

from .ranks import RankRule, next_rank, next_rank_gap, paid_as

CENTS = 100
_HUNDRED = Decimal(100)


def cents_str(cents: int) -> str:
    """'160.00', '-0.50': what the database parses into numeric(_, 2)."""
    if cents < 0:
        return "-%d.%02d" % divmod(-cents, CENTS)  # noqa: UP031 - the fastest exact form
    return "%d.%02d" % divmod(cents, CENTS)  # noqa: UP031


class _CentsRule(RankRule):
    """A rule in cents whose leg cap is an int when it is a whole number of
    cents (the usual case), so leg sums stay in integer arithmetic. Exact:
    an int equal to the Decimal compares and adds identically."""

    @cached_property
    def leg_cap(self):
        cap = RankRule.leg_cap.fget(self)
        if cap is not None and cap == cap.to_integral_value():
            return int(cap)
        return cap


def _scaled(rule: RankRule) -> RankRule:
    return _CentsRule(
        level=rule.level,
        name=rule.name,
        min_pv=rule.min_pv * _HUNDRED,
        min_gv=rule.min_gv * _HUNDRED,
        max_leg_percent=rule.max_leg_percent,
        min_qualified_legs=rule.min_qualified_legs,
        leg_rank_level=rule.leg_rank_level,
        leg_rank_name=rule.leg_rank_name,
    )


# A leg as ranks.py reads it (attributes partner_id, gv, subtree_max_level),
# as a named tuple: a million of them are built in a full pass, and a frozen
# dataclass (ranks.Leg) costs several times more to create.
EngineLeg = namedtuple("EngineLeg", ["partner_id", "gv", "subtree_max_level"])


class Plan:
    """The rank rules in cents, highest level first, ready for many evaluations."""

    def __init__(self, rules: Iterable[RankRule]):
        self.rules: tuple[RankRule, ...] = tuple(
            sorted((_scaled(r) for r in rules), key=lambda r: r.level, reverse=True)
        )
        # (min PV, min GV, legs needed, leg rank level, rule) for the pre-checks.
        self._checks = tuple(
            (r.min_pv, r.min_gv, r.min_qualified_legs, r.leg_rank_level, r) for r in self.rules
        )
        # A partner without legs meets a rule iff it asks for no legs and
        # PV >= min PV and PV (= its QGV) >= min GV: one threshold per rule.
        self._leaf_steps = tuple(
            (max(r.min_pv, r.min_gv), r.level, r.name)
            for r in self.rules
            if not r.min_qualified_legs
        )
        self._next: dict[int, RankRule | None] = {}

    @classmethod
    def from_rules(cls, rules: Iterable[RankRule]) -> "Plan":
        return cls(rules)

    def next_gap(self, pv: int, gv: int, level: int) -> int | None:
        """ranks.next_rank_gap in integer cents: what the results row stores
        for the close-to-a-rank list (None at the top rank). The next rank of
        each level is looked up once (a full pass asks a million times)."""
        try:
            rule = self._next[level]
        except KeyError:
            rule = self._next[level] = next_rank(self.rules, level)
        if rule is None:
            return None
        return int(next_rank_gap((rule,), pv, gv, rule.level - 1))

    def leaf_rank_of(self, pv: int) -> tuple[int, str]:
        """rank_of(pv, pv, 0, []) for a partner without (volume in its) legs."""
        for threshold, level, name in self._leaf_steps:
            if pv >= threshold:
                return level, name
        return 0, ""

    def rank_of(
        self, pv: int, gv: int, legs_max_level: int, legs: Sequence[EngineLeg]
    ) -> tuple[int, str]:
        """(level, name) of the paid-as rank; (0, "") for none.

        `legs`: EngineLeg(child id, GV cents, subtree max level) of the direct children;
        `gv` = pv + their GV, `legs_max_level` = the highest of their levels.
        The decision is ranks.paid_as's; rules that cannot be met are skipped
        first by necessary conditions of ranks.meets (PV >= min PV; QGV <= GV,
        since a capped leg never counts more than its GV; enough legs, and one
        of them with the leg rank)."""
        if not legs:
            return self.leaf_rank_of(pv)
        count = len(legs)
        candidates = [
            rule
            for min_pv, min_gv, needed, leg_level, rule in self._checks
            if pv >= min_pv
            and gv >= min_gv
            and (not needed or (count >= needed and legs_max_level >= leg_level))
        ]
        if not candidates:
            return 0, ""
        rule = paid_as(pv, legs, candidates)
        return (rule.level, rule.name) if rule is not None else (0, "")


# A result row: (partner id, customer PV, own PV, GV, paid-as level, paid-as
# name, subtree max level); volumes in cents, PV = customer PV + own PV.
Row = tuple[int, int, int, int, int, str, int]


def node(plan: Plan, pv: int, legs: Sequence[EngineLeg]) -> tuple[int, int, str, int]:
    """GV, paid-as level, paid-as name and subtree max level of one partner."""
    gv = pv
    legs_max = 0
    for _child, leg_gv, leg_sml in legs:
        gv += leg_gv
        if leg_sml > legs_max:
            legs_max = leg_sml
    level, name = plan.rank_of(pv, gv, legs_max, legs)
    return gv, level, name, (level if level > legs_max else legs_max)


PASS_CHUNK = 1 << 16  # partners per progress report and per chunk for the sink


def full_pass(
    plan: Plan,
    volumes: dict[int, tuple[int, int]],
    partners: Sequence[tuple[int, int | None]],
    progress=None,
    sink=None,
) -> list[Row]:
    """All results of a period in one bottom-up pass.

    volumes: partner id -> (net PV cents, own PV cents) of the partners with
    ledger entries in the period;
    partners: (id, sponsor id) of every partner, each after all its children
    (deepest first), children of one sponsor next to each other
    (sql.partners_bottom_up reads them so);
    progress: optional callable(partners done), called every 65,536 partners;
    sink: optional callable(rows) taking the rows chunk by chunk as they are
    final (a partner's row is final once the partner is passed), e.g. to stream
    them to the database while the pass goes on.
    Returns the non-blank rows (those not given to the sink).
    """
    legs_of: dict[int, list[EngineLeg]] = {}
    rows: list[Row] = []
    step = PASS_CHUNK
    for start in range(0, len(partners), step):
        if progress is not None:
            progress(start)
        _pass_chunk(plan, volumes, partners[start : start + step], legs_of, rows)
        if sink is not None:
            sink(rows)
            rows = []
    if progress is not None:
        progress(len(partners))
    return rows


def _pass_chunk(
    plan: Plan, volumes, chunk, legs_of: dict[int, list[EngineLeg]], rows: list[Row]
) -> None:
    """full_pass's loop over a slice of the partners. Legs are collected per
    sponsor in a local list while consecutive partners share the sponsor."""
    leaf_rank_of = plan.leaf_rank_of
    rank_of = plan.rank_of
    append = rows.append
    pop_legs = legs_of.pop
    get_volume = volumes.get
    current_sponsor = None
    current_legs: list[EngineLeg] = []
    for pid, sid in chunk:
        legs = pop_legs(pid, None)
        if pid == current_sponsor:  # the legs still being collected are this partner's
            if legs is None:
                legs = current_legs
            else:
                legs.extend(current_legs)
            current_sponsor, current_legs = None, []
        volume = get_volume(pid)
        if legs is None:
            if volume is None:
                continue  # nothing in this partner's team: a missing row
            pv, own = volume
            level, name = leaf_rank_of(pv)
            gv = pv
            sml = level
        else:
            pv, own = volume if volume is not None else (0, 0)
            # node(), inlined: this loop runs for every partner of the company.
            gv = pv
            legs_max = 0
            for leg in legs:
                gv += leg[1]
                if leg[2] > legs_max:
                    legs_max = leg[2]
            level, name = rank_of(pv, gv, legs_max, legs)
            sml = level if level > legs_max else legs_max
        if pv or own or gv or sml:
            append((pid, pv - own, own, gv, level, name, sml))
            if sid is not None and (gv or sml):
                if sid != current_sponsor:
                    if current_legs:
                        legs_of.setdefault(current_sponsor, []).extend(current_legs)
                    current_sponsor = sid
                    current_legs = []
                current_legs.append(EngineLeg(pid, gv, sml))
    if current_legs:
        legs_of.setdefault(current_sponsor, []).extend(current_legs)


def incremental_pass(
    plan: Plan,
    deltas: dict[int, tuple[int, int]],
    chains: dict[int, tuple[int | None, int]],
    current: dict[int, tuple[int, int]],
    children: dict[int, dict[int, tuple[int, int]]],
) -> list[Row]:
    """New rows for the partners touched by some volume deltas and their upline.

    deltas:   partner id -> (customer PV delta, own PV delta), cents;
    chains:   every affected partner (the delta partners and all their
              ancestors) -> (sponsor id, depth);
    current:  affected partner id -> (customer PV, own PV) stored now (missing = 0);
    children: sponsor id -> {child id: (GV, subtree max level)} for the stored
              rows of the direct children of affected partners (missing = 0).
    Evaluates deepest first, so a partner sees its children's new values.
    """
    rows: list[Row] = []
    for pid in sorted(chains, key=lambda p: chains[p][1], reverse=True):
        customer, own = current.get(pid, (0, 0))
        delta = deltas.get(pid)
        if delta is not None:
            customer += delta[0]
            own += delta[1]
        legs = [EngineLeg(c, gv, sml) for c, (gv, sml) in children.get(pid, {}).items()]
        gv, level, name, sml = node(plan, customer + own, legs)
        rows.append((pid, customer, own, gv, level, name, sml))
        sponsor = chains[pid][0]
        if sponsor is not None:
            children.setdefault(sponsor, {})[pid] = (gv, sml)
    return rows
