"""What is missing for a rank (qualification/whatif.py): the least additional
PV is exact -- checked against a brute force over integer distributions of
additional PV on small random trees -- and every suggested split reaches it."""

import itertools
import random
from decimal import Decimal

import pytest

from qualification.ranks import Leg, RankRule, meets
from qualification.whatif import (
    NEW,
    OWN,
    apply_volume,
    meets_volume,
    member_missing,
    rank_gap,
    simulate,
    unqualified_legs,
)

D = Decimal


def rule(level=1, name="R", min_pv="0", min_gv="0", percent=None, legs=0, leg_level=0, leg_name=""):
    return RankRule(
        level=level,
        name=name,
        min_pv=D(min_pv),
        min_gv=D(min_gv),
        max_leg_percent=None if percent is None else D(percent),
        min_qualified_legs=legs,
        leg_rank_level=leg_level,
        leg_rank_name=leg_name,
    )


BRONZE = rule(1, "Bronze", "100", "0")
SILVER = rule(2, "Silver", "100", "1000", "60")
GOLD = rule(3, "Gold", "150", "4000", "50", legs=2, leg_level=2, leg_name="Silver")
PLAN = [GOLD, SILVER, BRONZE]


def compositions(total: int, parts: int):
    """Every way to write `total` as an ordered sum of `parts` non-negative ints."""
    for cuts in itertools.combinations(range(total + parts - 1), parts - 1):
        previous, result = -1, []
        for cut in cuts:
            result.append(cut - previous - 1)
            previous = cut
        result.append(total + parts - 1 - previous - 1)
        yield result


def brute_force(pv, legs, r, limit=40):
    """The least integer total over {own, each leg, one new leg} that meets the
    volume part, and all distributions of that total that do."""
    sources = [OWN, *[leg.partner_id for leg in legs], NEW]
    for total in range(limit + 1):
        found = []
        for amounts in compositions(total, len(sources)):
            split = {s: D(a) for s, a in zip(sources, amounts, strict=True)}
            new_pv, new_legs = apply_volume(pv, legs, split)
            if meets_volume(new_pv, new_legs, r):
                found.append(split)
        if found:
            return total, found
    raise AssertionError("no total up to the limit reaches the rank")


def random_case(rng: random.Random):
    legs = [
        Leg(partner_id=i + 1, gv=D(rng.randint(0, 14)), subtree_max_level=rng.randint(0, 2))
        for i in range(rng.randint(0, 2))
    ]
    r = rule(
        min_pv=str(rng.randint(0, 6)),
        min_gv=str(rng.choice([0, 10, 20])),
        percent=rng.choice([None, None, "0", "20", "50", "60", "100"]),
    )
    return D(rng.randint(0, 8)), legs, r


def test_least_additional_pv_equals_the_brute_force_on_small_random_trees():
    rng = random.Random(20261130)
    for _ in range(120):
        pv, legs, r = random_case(rng)
        gap = rank_gap(pv, legs, r)
        least, minimal = brute_force(pv, legs, r)
        # Caps are whole numbers here, so the exact minimum is an integer too.
        assert gap.total == least, (pv, legs, r)
        # Every minimal distribution is one the gap describes: at least the PV
        # deficit in own PV, no team or new team past its headroom.
        rooms = {h.partner_id: h.room for h in gap.headrooms}
        for split in minimal:
            assert split[OWN] >= gap.pv_missing
            for leg in legs:
                if split[leg.partner_id]:
                    room = rooms.get(leg.partner_id, D(0))
                    assert room is None or split[leg.partner_id] <= room
            if split[NEW] and gap.new_leg_room is not None:
                assert split[NEW] <= gap.new_leg_room
        # And every suggested split adds up to the minimum and reaches the rank.
        for split in gap.splits():
            assert sum(split.values()) == gap.total
            assert meets_volume(*apply_volume(pv, legs, split), r)


def test_a_partner_short_of_pv_only_must_add_own_pv():
    gap = rank_gap(D("40"), [Leg(1, D("5000"), 0), Leg(2, D("600"), 0)], SILVER)
    assert gap.pv_missing == D("60") and gap.qgv_missing == D("0")
    assert gap.total == D("60")
    assert gap.splits() == [{OWN: D("60")}]


def test_leg_volume_past_the_cap_does_not_count_so_only_teams_with_headroom_are_offered():
    # Silver: cap 600. Ben's team is at 900 (full), Clara's at 100 (500 room).
    legs = [Leg(1, D("900"), 0), Leg(2, D("100"), 0)]
    gap = rank_gap(D("100"), legs, SILVER)  # QGV = 100 + 600 + 100 = 800
    assert gap.qgv_missing == D("200") and gap.pv_missing == D("0")
    assert gap.total == D("200")
    assert [h.partner_id for h in gap.headrooms] == [2]
    splits = gap.splits()
    assert {OWN: D("200")} in splits and {2: D("200")} in splits and {NEW: D("200")} in splits
    assert all(1 not in split for split in splits)


def test_when_no_single_team_has_room_enough_the_split_fills_teams_then_own_pv():
    legs = [Leg(1, D("550"), 0), Leg(2, D("500"), 0)]  # rooms 50 and 100 under cap 600
    r = rule(min_pv="0", min_gv="1000", percent="60")
    gap = rank_gap(D("0"), legs, r)  # QGV = 0 + 550 + 500 = 1050 -> met
    assert gap.total == 0
    r = rule(min_pv="0", min_gv="1900", percent="60")
    gap = rank_gap(D("0"), legs, r)  # cap 1140: rooms 590, 640; missing 850
    assert gap.total == D("850")
    assert {2: D("640"), 1: D("210")} in gap.splits()  # the roomiest team first
    for split in gap.splits():
        assert sum(split.values()) == gap.total
        assert meets_volume(*apply_volume(D("0"), legs, split), r)


def test_a_fractional_cap_gives_an_exact_fractional_minimum():
    r = rule(min_pv="0", min_gv="7", percent="60")  # cap 4.2
    legs = [Leg(1, D("9"), 0)]
    gap = rank_gap(D("0"), legs, r)
    assert gap.total == D("2.8")
    assert meets_volume(*apply_volume(D("0"), legs, {OWN: D("2.8")}), r)
    assert not meets_volume(*apply_volume(D("0"), legs, {OWN: D("2.79")}), r)


def test_qualified_legs_are_a_condition_naming_the_lines_not_yet_qualified():
    legs = [Leg(1, D("3000"), 2), Leg(2, D("500"), 0), Leg(3, D("200"), 1)]
    gap = rank_gap(D("150"), legs, GOLD)
    assert gap.legs_missing == 1
    assert [leg.partner_id for leg in unqualified_legs(legs, GOLD)] == [2, 3]
    assert not gap.met
    # Volume alone: QGV = 150 + 2000 + 500 + 200 = 2850 -> 1150 missing.
    assert gap.total == D("1150")


def test_the_simulator_shows_the_paid_as_rank_after_more_volume_in_a_leg():
    legs = [Leg(1, D("500"), 0), Leg(2, D("200"), 0)]
    sim = simulate(D("100"), legs, PLAN, 2, D("200"))  # QGV 800 -> 1000 for Silver
    assert sim.before == BRONZE and sim.after == SILVER
    silver_rows = next(reqs for r, reqs, _met in sim.requirements if r == SILVER)
    assert [(q.key, q.have) for q in silver_rows] == [("pv", D("100")), ("qgv", D("1000"))]
    assert meets(sim.pv, sim.legs, SILVER)


def test_the_simulator_counts_a_leg_only_up_to_its_cap():
    legs = [Leg(1, D("600"), 0)]
    sim = simulate(D("100"), legs, PLAN, 1, D("5000"))
    assert sim.after == BRONZE  # QGV stays 700 under Silver's 600 cap
    sim = simulate(D("100"), legs, PLAN, OWN, D("300"))
    assert sim.after == SILVER


def test_a_new_leg_counts_towards_qgv_up_to_the_cap():
    sim = simulate(D("100"), [Leg(1, D("600"), 0)], PLAN, NEW, D("300"))
    assert sim.after == SILVER and len(sim.legs) == 2


@pytest.mark.parametrize(
    "pv,gv,r,missing,exact",
    [
        ("60", "60", BRONZE, D("40"), True),
        ("100", "700", SILVER, D("300"), False),
        ("90", "990", SILVER, D("10"), False),
    ],
)
def test_a_team_member_missing_pv_is_the_larger_deficit(pv, gv, r, missing, exact):
    assert member_missing(D(pv), D(gv), r) == (missing, exact)
