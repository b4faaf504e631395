"""engine.full_pass against a plain, obviously right implementation of spec
sections 4-5 (recursion over the tree, Decimal, ranks.paid_as)."""

import random
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from qualification import engine
from qualification.ranks import Leg, RankRule, paid_as

from .test_property import plans


def rules_of(plan) -> list[RankRule]:
    level = {r["name"]: r["level"] for r in plan["ranks"]}
    return [
        RankRule(
            level=r["level"],
            name=r["name"],
            min_pv=Decimal(r["min_pv"]),
            min_gv=Decimal(r["min_gv"]),
            max_leg_percent=Decimal(r["max_leg_percent"])
            if r["max_leg_percent"] is not None
            else None,
            min_qualified_legs=r["min_qualified_legs"],
            leg_rank_level=level.get(r["leg_rank"], 0),
        )
        for r in plan["ranks"]
    ]


def reference(
    rules, sponsors: dict[int, int | None], volume: dict[int, tuple[int, int]]
) -> dict[int, tuple]:
    children: dict[int, list[int]] = {}
    for pid, sid in sponsors.items():
        if sid is not None:
            children.setdefault(sid, []).append(pid)
    desc = sorted(rules, key=lambda r: r.level, reverse=True)
    out = {}

    def visit(pid):
        legs = [visit(c) for c in children.get(pid, [])]
        pv = Decimal(volume.get(pid, (0, 0))[0]) / 100
        gv = pv + sum((leg.gv for leg in legs), Decimal(0))
        rule = paid_as(pv, legs, desc)
        level = rule.level if rule else 0
        top = max([level, *(leg.subtree_max_level for leg in legs)])
        total, own = volume.get(pid, (0, 0))
        out[pid] = (total - own, own, int(gv * 100), level, rule.name if rule else "", top)
        return Leg(pid, gv, top)

    for pid, sid in sponsors.items():
        if sid is None:
            visit(pid)
    return {pid: row for pid, row in out.items() if row[0] or row[1] or row[2] or row[3] or row[5]}


@settings(max_examples=200, deadline=None)
@given(
    plan=plans(),
    size=st.integers(1, 40),
    seed=st.integers(0, 10**6),
    chunk=st.sampled_from([1, 2, 3, 7, 1 << 16]),
)
def test_full_pass_equals_the_plain_recursive_definition(plan, size, seed, chunk):
    rng = random.Random(seed)
    sponsors: dict[int, int | None] = {}
    depth: dict[int, int] = {}
    ids = rng.sample(range(1, 10_000), size)
    for i, pid in enumerate(ids):
        sid = rng.choice([None, *ids[:i]]) if i else None
        sponsors[pid] = sid
        depth[pid] = depth[sid] + 1 if sid is not None else 0
    volume = {
        pid: (rng.randint(-5_000, 200_000), rng.choice([0, rng.randint(0, 50_000)]))
        for pid in ids
        if rng.random() < 0.6
    }
    partners = sorted(
        ((pid, sponsors[pid]) for pid in ids), key=lambda n: (-depth[n[0]], n[1] or 0)
    )
    old_chunk = engine.PASS_CHUNK
    engine.PASS_CHUNK = chunk
    try:
        rows = engine.full_pass(engine.Plan(rules_of(plan)), volume, partners)
    finally:
        engine.PASS_CHUNK = old_chunk

    assert {r[0]: r[1:] for r in rows} == reference(rules_of(plan), sponsors, volume)
