"""Each rule of commissions.md section 3 on small hand-made cases (engine only)."""

from fractions import Fraction

from commissions.engine import (
    BELOW_MIN_PV,
    BONUS,
    CAP,
    INACTIVE,
    SKIPPED,
    TEAM,
    TERMINATED,
    CommissionPlan,
    PeriodInput,
    RankPay,
    compute,
    round_fraction,
    round_micro,
)

# Percents in hundredths, money in cents.
BRONZE = RankPay(
    level=1, name="Bronze", customer_percent=1500, team_percents=(500,), advancement_bonus=0
)
SILVER = RankPay(
    level=2, name="Silver", customer_percent=2000, team_percents=(600, 400), advancement_bonus=10000
)
GOLD = RankPay(
    level=3,
    name="Gold",
    customer_percent=2500,
    team_percents=(700, 500, 300),
    advancement_bonus=50000,
)


def plan(**kwargs):
    defaults = dict(ranks=(BRONZE, SILVER, GOLD), base_customer_percent=1000, active_min_pv=5000)
    defaults.update(kwargs)
    return CommissionPlan(**defaults)


def chain(n):
    """Partners 1..n, each sponsored by the previous one (1 at the top)."""
    return {i: (i - 1 if i > 1 else None) for i in range(1, n + 1)}


def figures(results, pid):
    r = results.get(pid)
    return (r.customer, r.team, r.bonus, r.total, r.payout, r.carried_out) if r else None


def test_customer_commission_uses_the_paid_as_rank_or_the_base_percent_and_not_own_cv():
    data = PeriodInput(
        sponsor={1: None, 2: None},
        paid_as={1: 2},
        pv={1: 10000, 2: 10000},
        customer_cv={1: 10000, 2: 10000},
        own_cv={1: 50000, 2: 50000},
        cv_total=120000,
    )
    results, _summary = compute(plan(), data)
    assert results[1].customer == 2000  # 20 % of 100.00 (Silver); own CV earns nothing
    assert results[2].customer == 1000  # no rank: base 10 %


def test_inactive_partners_earn_customer_commission_terminated_ones_nothing():
    data = PeriodInput(
        sponsor={1: None, 2: None},
        status={1: "inactive", 2: "terminated"},
        paid_as={1: 1, 2: 1},
        customer_cv={1: 10000, 2: 10000},
        cv_total=20000,
    )
    results, _summary = compute(plan(), data)
    assert results[1].customer == 1500
    assert 2 not in results


def test_compression_skips_inactive_below_min_pv_and_terminated_ancestors_without_using_a_generation():
    # 1 Gold (active) <- 2 inactive <- 3 below min PV <- 4 terminated <- 5 Silver (active) <- 6 sells
    data = PeriodInput(
        sponsor=chain(6),
        status={2: "inactive", 4: "terminated"},
        paid_as={1: 3, 2: 3, 3: 3, 4: 3, 5: 2},
        pv={1: 5000, 2: 9000, 3: 4999, 4: 9000, 5: 5000},
        customer_cv={6: 10000},
        cv_total=10000,
        title_before={1: 3, 2: 3, 3: 3, 4: 3, 5: 2},
    )
    results, _summary = compute(plan(base_customer_percent=0), data)
    assert results[5].team == 600  # generation 1, Silver 6 %
    assert results[1].team == 500  # generation 2 (not 5): Gold 5 %
    team_lines = [line for line in results[1].lines if line[0] == TEAM]
    assert team_lines == [(TEAM, 6, 2, 10000, 500, 10000 * 500, "", "", None)]
    for pid in (2, 3, 4):
        assert pid not in results  # nothing earned, no statement


def test_skipped_ancestors_are_named_on_the_statement_of_whoever_earned_above_them():
    # 1 Silver <- 2 inactive <- 3 below min PV <- 4 sells
    data = PeriodInput(
        sponsor=chain(4),
        status={2: "inactive"},
        paid_as={1: 2, 2: 1},
        pv={1: 5000, 3: 100},
        customer_cv={2: 10000, 4: 10000},
        cv_total=20000,
        title_before={1: 2, 2: 1},
    )
    results, _summary = compute(plan(), data)
    lines = results[1].lines
    assert (TEAM, 4, 1, 10000, 600, 6_000_000, "", "", None) in lines
    assert (SKIPPED, 4, 1, 10000, None, 0, "", BELOW_MIN_PV, 3) in lines
    assert (SKIPPED, 4, 1, 10000, None, 0, "", INACTIVE, 2) in lines
    assert (
        SKIPPED,
        2,
        1,
        10000,
        None,
        0,
        "",
        INACTIVE,
        2,
    ) not in lines  # 2's own CV: nobody skipped
    assert results[1].team == 600 + 600
    assert not [line for line in results[2].lines if line[0] == TEAM]


def test_skip_reasons_are_distinct():
    # 1 Bronze <- 2 inactive <- 3 terminated <- 4 below min PV <- 5 sells
    data = PeriodInput(
        sponsor=chain(5),
        status={3: "terminated", 2: "inactive"},
        pv={4: 100, 1: 5000},
        paid_as={1: 1, 2: 1, 3: 1, 4: 1},
        customer_cv={5: 10000},
        cv_total=10000,
        title_before={1: 1},
    )
    results, _summary = compute(plan(), data)
    reasons = {line[8]: line[7] for line in results[1].lines if line[0] == SKIPPED}
    assert reasons == {4: BELOW_MIN_PV, 3: TERMINATED, 2: INACTIVE}


def test_an_active_ancestor_with_a_short_list_uses_up_a_generation():
    # 1 Gold <- 2 Bronze (one generation only) <- 3 <- 4 sells
    data = PeriodInput(
        sponsor=chain(4),
        paid_as={1: 3, 2: 1, 3: 1},
        pv={1: 5000, 2: 5000, 3: 5000},
        customer_cv={4: 10000},
        cv_total=10000,
    )
    results, _summary = compute(plan(), data)
    assert results[3].team == 500  # generation 1
    assert 2 not in results  # generation 2: Bronze has no second percent, earns nothing
    assert results[1].team == 300  # generation 3: Gold 3 %


def test_an_active_ancestor_without_rank_uses_up_a_generation_and_the_walk_stops_at_the_longest_list():
    data = PeriodInput(
        sponsor=chain(6),
        paid_as={1: 3, 2: 3, 4: 3},
        pv={i: 5000 for i in range(1, 6)},
        customer_cv={6: 10000},
        cv_total=10000,
        title_before={1: 3, 2: 3, 4: 3},
    )
    results, _summary = compute(plan(), data)
    # 5: gen 1 no rank; 4: gen 2 Gold 5 %; 3: gen 3 no rank; 2 would be gen 4 > 3: stop.
    assert results[4].team == 500
    assert 2 not in results and 1 not in results


def test_negative_cv_claws_back_through_the_same_walk():
    data = PeriodInput(
        sponsor=chain(3),
        status={2: "inactive"},
        paid_as={1: 2},
        pv={1: 5000},
        customer_cv={3: -10000},
        cv_total=-10000,
        title_before={1: 2},
    )
    results, _summary = compute(plan(min_payout=0), data)
    assert results[1].team == -600
    assert results[3].customer == -1000  # its own customer commission is taken back too
    assert results[1].payout == 0 and results[1].carried_out == -600


def test_advancement_bonus_for_every_rank_passed_once_in_a_lifetime():
    data = PeriodInput(
        sponsor={1: None, 2: None, 3: None, 4: None},
        paid_as={1: 3, 2: 3, 3: 2, 4: 3},
        title_before={2: 2, 3: 2},
        bonus_paid={4: {"Silver"}},
    )
    results, summary = compute(plan(), data)
    assert (
        results[1].bonus == 10000 + 50000
    )  # Bronze (no bonus), Silver and Gold skipped past: both paid
    assert {line[6] for line in results[1].lines if line[0] == BONUS} == {"Silver", "Gold"}
    assert results[2].bonus == 50000  # from Silver to Gold
    assert 3 not in results  # title already Silver: no bonus again
    assert results[4].bonus == 50000  # Silver's bonus was paid before
    assert summary.bonus == 160000


def test_terminated_partners_get_no_bonus():
    data = PeriodInput(sponsor={1: None}, status={1: "terminated"}, paid_as={1: 2})
    results, _summary = compute(plan(), data)
    assert results == {}


def test_cap_scales_team_commission_only():
    # 1 Gold <- 2 sells 1000.00 customer CV; cap 10 % = 100.00.
    data = PeriodInput(
        sponsor=chain(2),
        paid_as={1: 3},
        pv={1: 5000},
        customer_cv={2: 100000},
        cv_total=100000,
        title_before={1: 3},
    )
    results, summary = compute(plan(cap_percent=1000, base_customer_percent=500), data)
    # C = 50.00 (5 % base), T = 70.00, B = 0: 120.00 > 100.00, f = 50 / 70.
    assert summary.cap_factor == Fraction(5, 7)
    assert results[2].customer == 5000
    assert results[1].team == 5000  # 70.00 x 5/7
    cap_lines = [line for line in results[1].lines if line[0] == CAP]
    numerator, denominator = cap_lines[0][5]
    assert Fraction(numerator, denominator) == -20_000_000  # micro-euros taken off by the cap


def test_cap_factor_scales_each_partner_exactly_before_rounding():
    # 1 Gold <- 2 Silver <- 3 sells 100.00; cap 10 % = 10.00; C = 10.00 (base 10 %); B = 0.
    # T = 6.00 (2, gen 1) + 5.00 (1, gen 2) = 11.00 > 0; f = max(0, 10 - 10) / 11 = 0 ... use cap 15 %:
    # limit 15.00, f = 5 / 11: 2 gets 6 x 5/11 = 2.7272.. -> 2.73, 1 gets 5 x 5/11 = 2.2727.. -> 2.27.
    data = PeriodInput(
        sponsor=chain(3),
        paid_as={1: 3, 2: 2},
        pv={1: 5000, 2: 5000},
        customer_cv={3: 10000},
        cv_total=10000,
        title_before={1: 3, 2: 2},
    )
    results, summary = compute(plan(cap_percent=1500), data)
    assert summary.cap_factor == Fraction(5, 11)
    assert (results[2].team, results[1].team, results[3].customer) == (273, 227, 1000)


def test_cap_never_scales_bonus_or_customer_and_factor_is_zero_when_they_exceed_it():
    data = PeriodInput(
        sponsor=chain(2),
        paid_as={1: 3},
        pv={1: 5000},
        customer_cv={2: 10000},
        cv_total=10000,
    )
    results, summary = compute(plan(cap_percent=1000), data)
    assert summary.cap_factor == 0
    assert results[1].bonus == 60000 and results[1].team == 0
    assert results[2].customer == 1000


def test_no_cap_when_under_the_limit():
    data = PeriodInput(
        sponsor=chain(2), paid_as={1: 1}, pv={1: 5000}, customer_cv={2: 10000}, cv_total=10000
    )
    results, summary = compute(plan(cap_percent=3000), data)
    assert summary.cap_factor is None and results[1].team == 500


def test_rounding_is_half_up_per_type_and_total_is_the_sum_of_rounded_amounts():
    assert round_micro(5000) == 1 and round_micro(4999) == 0 and round_micro(-5000) == -1
    assert round_fraction(Fraction(15000, 1)) == 2 and round_fraction(Fraction(-15000, 1)) == -2
    # customer 43.75 x 15 % = 6.5625 -> 6.56; team 43.75 x 5 % = 2.1875 -> 2.19 (not 8.75 -> 8.75 combined).
    data = PeriodInput(
        sponsor={1: None, 2: 1},
        paid_as={1: 1, 2: 1},
        pv={1: 5000, 2: 5000},
        customer_cv={1: 4375, 2: 4375},
        cv_total=8750,
    )
    results, _summary = compute(plan(), data)
    assert (results[1].customer, results[1].team, results[1].total) == (656, 219, 875)
    # Both round up at .5: 0.375 x 15 % ... use 0.50 x 1 % = 0.005 -> 0.01
    tiny = plan(base_customer_percent=100)
    results, _summary = compute(
        tiny, PeriodInput(sponsor={1: None}, customer_cv={1: 50}, cv_total=50)
    )
    assert results[1].customer == 1


def test_balance_carries_small_and_negative_amounts_and_pays_from_the_minimum():
    data = PeriodInput(
        sponsor={1: None, 2: None, 3: None, 4: None},
        customer_cv={1: 24990, 2: 25000, 3: -10000},
        carried_in={3: 500, 4: 2600},
        cv_total=39990,
    )
    results, _summary = compute(plan(min_payout=2500), data)
    assert figures(results, 1) == (2499, 0, 0, 2499, 0, 2499)  # 24.99 < 25.00: carried
    assert figures(results, 2) == (2500, 0, 0, 2500, 2500, 0)  # exactly the minimum: paid
    assert figures(results, 3) == (-1000, 0, 0, -1000, 0, -500)  # negative balance carried
    assert figures(results, 4) == (0, 0, 0, 0, 2600, 0)  # a carried balance alone is paid
    assert results[4].carried_in == 2600


def test_a_zero_positive_minimum_pays_any_positive_balance_but_never_a_zero_one():
    data = PeriodInput(sponsor={1: None}, customer_cv={1: 100}, carried_in={1: -10})
    results, _summary = compute(plan(min_payout=0), data)
    assert (results[1].payout, results[1].carried_out) == (0, 0)


def test_payouts_plus_carried_equal_totals_plus_carried_in():
    data = PeriodInput(
        sponsor=chain(4),
        paid_as={1: 3, 2: 2, 3: 1},
        pv={1: 5000, 2: 5000, 3: 5000},
        customer_cv={2: 5000, 3: 7000, 4: 9000},
        carried_in={1: 100, 4: -300},
        cv_total=21000,
    )
    results, summary = compute(plan(min_payout=1000, cap_percent=2000), data)
    assert summary.payout + summary.carried == summary.total + sum(
        r.carried_in for r in results.values()
    )
