"""What is missing for a rank, and what if volume came in: pure functions over
plain data (qualification.md section 5). No database access; the dashboard
reads the inputs through qualification.selectors (the report card's figures).

The math
--------
For partner p and rank R: PV = p's PV, legs i with GV g_i, m = min_pv,
G = min_gv, c = max_leg_percent / 100 x G (or no cap, c = infinity),
k = min_qualified_legs with leg rank L.

    QGV_R = PV + sum_i min(g_i, c)

Additional volume is a vector of non-negative amounts: x_0 in p's own PV,
x_i in leg i (it raises g_i by x_i: GV is the PV of the whole leg), y_j in
new legs j (new direct partners' teams, GV y_j). Afterwards

    PV'  = PV + x_0
    QGV' = QGV_R + x_0 + sum_i min(x_i, h_i) + sum_j min(y_j, c)

with the leg's headroom h_i = max(c - g_i, 0) (infinite without a cap).
Every source adds QGV one for one up to its headroom and nothing beyond;
own PV has no cap. Let

    dp = max(m - PV, 0)          (PV deficit)
    dq = max(G - QGV_R, 0)       (QGV deficit)

Claim: the least total T = x_0 + sum x_i + sum y_j meeting both is
T* = max(dp, dq).
  Lower bound: PV' >= m forces x_0 >= dp, so T >= dp; QGV' - QGV_R <= T, so
  T >= dq.
  Reached: x_0 = max(dp, dq), nothing else (own PV is uncapped).
The minimal ways (all of them): if dp >= dq, only "dp own PV" (x_0 >= dp
already uses the whole total). If dq > dp: x_0 = dp + a for some a >= 0, and
the remaining dq - dp - a goes to legs (at most h_i each) or new legs (at most
c each) -- any volume past a headroom is wasted, so not minimal. That set is
infinite (a polytope) when two or more sources have headroom, so it is shown
as "T* in total: dp from your own PV, the other dq - dp from your own PV or
any of these teams up to its headroom", plus a few concrete splits (own only,
each single team that can take it all, a new team, and the teams filled in
order when no single one can).

What is computed exactly, and what is a condition
-------------------------------------------------
Exact: the PV/QGV part -- T*, the forced own part dp, each leg's headroom, the
new-leg headroom c, and the splits (each one meets m and G; tests check T*
against a brute force over integer distributions on small cases).
A condition in words: the qualified legs. A leg is qualified when someone in
it is paid as L or higher; making a leg qualified lifts ANOTHER partner's
rank, whose requirements depend on that partner's own legs, which this
partner's figures do not show. So the gap says "n more lines with L" and
which existing lines are not qualified yet; the volume figure counts the
volume only (a new line that reaches L brings GV of its own, which counts
towards QGV up to c).

The simulator re-runs the rank rules (ranks.paid_as / requirements) with the
changed figures. Volume added in a leg keeps that leg's best rank as it is
(the rank of the people in it is not re-evaluated), which is exact for p's
PV and QGV and conservative for the qualified legs.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from .ranks import (
    Leg,
    RankRule,
    Requirement,
    leg_is_qualified,
    meets,
    paid_as,
    qualified_leg_count,
    qualifying_group_volume,
    requirements,
)

ZERO = Decimal("0")
OWN = "own"
NEW = "new"  # a new leg: a new direct partner's team


@dataclass(frozen=True)
class Headroom:
    """How much of additional volume in one leg counts towards QGV; None = all."""

    partner_id: int
    room: Decimal | None


@dataclass
class RankGap:
    rule: RankRule
    pv_missing: Decimal  # dp: must come from own PV
    qgv_missing: Decimal  # dq
    legs_missing: int  # more qualified legs needed (a condition, not volume)
    headrooms: list[Headroom] = field(default_factory=list)  # legs with room > 0
    new_leg_room: Decimal | None = None  # c; None = no cap

    @property
    def total(self) -> Decimal:
        """T* = max(dp, dq): the least additional PV for the volume part."""
        return max(self.pv_missing, self.qgv_missing)

    @property
    def flexible(self) -> Decimal:
        """The part of T* that may come from own PV or any team with headroom."""
        return self.total - self.pv_missing

    @property
    def volume_met(self) -> bool:
        return self.total == 0

    @property
    def met(self) -> bool:
        return self.volume_met and self.legs_missing == 0

    def splits(self, limit: int = 6) -> list[dict]:
        """Concrete minimal splits {OWN | NEW | leg partner id: amount}, own
        first. Each adds up to `total` and meets min_pv and min_gv."""
        if self.total == 0:
            return []
        forced, rest = self.pv_missing, self.flexible
        result = [{OWN: self.total}]
        if rest == 0:
            return result
        base = {OWN: forced} if forced else {}
        single = [h for h in self.headrooms if h.room is None or h.room >= rest]
        for h in single:
            result.append({**base, h.partner_id: rest})
        if not single and self.headrooms:
            # No one team takes it all: fill the roomiest first, own PV for the rest.
            split, left = dict(base), rest
            for h in sorted(self.headrooms, key=lambda h: -h.room):
                take = min(h.room, left)
                split[h.partner_id] = take
                left -= take
                if left == 0:
                    break
            if left:
                split[OWN] = split.get(OWN, ZERO) + left
            result.append(split)
        if self.new_leg_room is None or self.new_leg_room >= rest:
            result.append({**base, NEW: rest})
        return result[:limit]


def rank_gap(pv: Decimal, legs: Sequence[Leg], rule: RankRule) -> RankGap:
    cap = rule.leg_cap
    qgv = qualifying_group_volume(pv, legs, rule)
    headrooms = []
    for leg in legs:
        room = None if cap is None else max(cap - leg.gv, ZERO)
        if room is None or room > 0:
            headrooms.append(Headroom(leg.partner_id, room))
    return RankGap(
        rule=rule,
        pv_missing=max(rule.min_pv - pv, ZERO),
        qgv_missing=max(rule.min_gv - Decimal(qgv), ZERO),
        legs_missing=max(rule.min_qualified_legs - qualified_leg_count(legs, rule), 0)
        if rule.min_qualified_legs
        else 0,
        headrooms=headrooms,
        new_leg_room=cap,
    )


def unqualified_legs(legs: Sequence[Leg], rule: RankRule) -> list[Leg]:
    """The lines that could become qualified for `rule` (nobody in them is paid
    as its leg rank yet)."""
    if not rule.min_qualified_legs:
        return []
    return [leg for leg in legs if not leg_is_qualified(leg, rule)]


def apply_volume(pv: Decimal, legs: Sequence[Leg], split: dict) -> tuple[Decimal, list[Leg]]:
    """The figures after additional volume `split` ({OWN | NEW | leg id: amount});
    each NEW amount is one new leg without a rank. Leg ranks stay as they are."""
    pv = pv + split.get(OWN, ZERO)
    new_legs = [
        Leg(leg.partner_id, leg.gv + split.get(leg.partner_id, ZERO), leg.subtree_max_level)
        for leg in legs
    ]
    if split.get(NEW):
        new_legs.append(Leg(0, split[NEW], 0))
    return pv, new_legs


def meets_volume(pv: Decimal, legs: Sequence[Leg], rule: RankRule) -> bool:
    """min_pv and min_gv (the part the gap computes exactly); legs left out."""
    return pv >= rule.min_pv and qualifying_group_volume(pv, legs, rule) >= rule.min_gv


@dataclass
class Simulation:
    before: RankRule | None
    after: RankRule | None
    pv: Decimal
    legs: list[Leg]
    requirements: list[tuple[RankRule, list[Requirement], bool]]  # lowest rank first


def simulate(
    pv: Decimal, legs: Sequence[Leg], plan_desc: Sequence[RankRule], target, amount: Decimal
) -> Simulation:
    """Paid-as rank and each rank's requirements if `amount` more PV came in at
    `target` (OWN, NEW or a leg's partner id). Nothing is stored."""
    new_pv, new_legs = apply_volume(pv, legs, {target: amount})
    return Simulation(
        before=paid_as(pv, legs, plan_desc),
        after=paid_as(new_pv, new_legs, plan_desc),
        pv=new_pv,
        legs=new_legs,
        requirements=[
            (rule, requirements(new_pv, new_legs, rule), meets(new_pv, new_legs, rule))
            for rule in reversed(plan_desc)
        ],
    )


def member_missing(pv: Decimal, gv: Decimal, rule: RankRule) -> tuple[Decimal, bool]:
    """For a team member known only by PV and GV (one row, no legs): the least
    additional PV for `rule`'s volume, max(min_pv - PV, min_gv - GV, 0), and
    whether it is exact. GV bounds QGV from above, so this is a lower bound;
    it is exact when the rank has no leg cap (then QGV = GV)."""
    missing = max(rule.min_pv - pv, rule.min_gv - gv, ZERO)
    return missing, rule.leg_cap is None
