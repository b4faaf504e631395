"""The rank rules of qualification.md section 5, as pure functions.

The incremental task, the full recompute and the dashboard all evaluate ranks
here, so they cannot disagree. Exact Decimal arithmetic; comparisons are >=.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

ZERO = Decimal("0")
HUNDRED = Decimal("100")


@dataclass(frozen=True)
class RankRule:
    level: int
    name: str
    min_pv: Decimal
    min_gv: Decimal
    max_leg_percent: Decimal | None
    min_qualified_legs: int
    leg_rank_level: int  # 0 when no leg rank is needed
    leg_rank_name: str = ""

    @property
    def leg_cap(self) -> Decimal | None:
        if self.max_leg_percent is None:
            return None
        return self.max_leg_percent / HUNDRED * self.min_gv


@dataclass(frozen=True)
class Leg:
    """One direct child's team: its GV and the highest paid-as level in it."""

    partner_id: int
    gv: Decimal
    subtree_max_level: int


def qualifying_group_volume(pv: Decimal, legs: Iterable[Leg], rule: RankRule) -> Decimal:
    # sum() starts at int 0: exact with Decimals, and lets the engine's
    # integer-cent callers stay in fast integer arithmetic.
    cap = rule.leg_cap
    if cap is None:
        return pv + sum(leg.gv for leg in legs)
    return pv + sum(leg.gv if leg.gv < cap else cap for leg in legs)


def leg_is_qualified(leg: Leg, rule: RankRule) -> bool:
    return rule.leg_rank_level > 0 and leg.subtree_max_level >= rule.leg_rank_level


def qualified_leg_count(legs: Iterable[Leg], rule: RankRule) -> int:
    return sum(1 for leg in legs if leg_is_qualified(leg, rule))


def meets(pv: Decimal, legs: Sequence[Leg], rule: RankRule) -> bool:
    if pv < rule.min_pv:
        return False
    if rule.min_qualified_legs and qualified_leg_count(legs, rule) < rule.min_qualified_legs:
        return False
    return qualifying_group_volume(pv, legs, rule) >= rule.min_gv


def paid_as(pv: Decimal, legs: Sequence[Leg], plan_desc: Sequence[RankRule]) -> RankRule | None:
    """The highest rank met; `plan_desc` is sorted by level, highest first."""
    for rule in plan_desc:
        if meets(pv, legs, rule):
            return rule
    return None


def next_rank(plan_desc: Sequence[RankRule], level: int) -> RankRule | None:
    """The lowest rank above `level` (the rank a partner paid as `level` works
    towards); None at the top. `plan_desc` is sorted by level, highest first."""
    above = [rule for rule in plan_desc if rule.level > level]
    return above[-1] if above else None


def next_rank_gap(plan_desc: Sequence[RankRule], pv, gv, level: int):
    """How little volume a partner paid as `level` misses for the next rank:
    max(min PV - PV, min GV - GV, 0), the least additional PV when QGV equals
    GV and a lower bound otherwise (see whatif.py); None at the top. The close-
    to-a-rank list sorts by it. Works on Decimals and on integer cents alike
    (rules scaled the same way)."""
    rule = next_rank(plan_desc, level)
    if rule is None:
        return None
    return max(rule.min_pv - pv, rule.min_gv - gv, 0)


@dataclass(frozen=True)
class Requirement:
    key: str  # "pv", "qgv", "legs"
    have: Decimal
    need: Decimal

    @property
    def missing(self) -> Decimal:
        return max(self.need - self.have, ZERO)

    @property
    def met(self) -> bool:
        return self.have >= self.need

    @property
    def percent(self) -> int:
        if self.need <= 0:
            return 100
        return int(min(max(self.have / self.need * HUNDRED, ZERO), HUNDRED))


def requirements(pv: Decimal, legs: Sequence[Leg], rule: RankRule) -> list[Requirement]:
    """Have / need / missing for each requirement of one rank (the report card)."""
    result = [
        Requirement("pv", pv, rule.min_pv),
        Requirement("qgv", qualifying_group_volume(pv, legs, rule), rule.min_gv),
    ]
    if rule.min_qualified_legs:
        result.append(
            Requirement(
                "legs", Decimal(qualified_leg_count(legs, rule)), Decimal(rule.min_qualified_legs)
            )
        )
    return result


def plan_from_ranks(ranks: Iterable) -> list[RankRule]:
    """RankRules from Rank rows (leg_rank loaded), highest level first."""
    rules = [
        RankRule(
            level=r.level,
            name=r.name,
            min_pv=r.min_pv,
            min_gv=r.min_gv,
            max_leg_percent=r.max_leg_percent,
            min_qualified_legs=r.min_qualified_legs,
            leg_rank_level=r.leg_rank.level if r.leg_rank_id else 0,
            leg_rank_name=r.leg_rank.name if r.leg_rank_id else "",
        )
        for r in ranks
    ]
    return sorted(rules, key=lambda rule: rule.level, reverse=True)
