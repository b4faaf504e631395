"""Hypothesis: on random trees, plans and histories the engine's statements
equal a plain implementation written here from the text of commissions.md
section 3 (Decimal arithmetic, recursion, no shared code), and no money is
created or lost: over a history, all payouts plus the last carried balances
equal all totals."""

from decimal import ROUND_HALF_UP, Decimal, localcontext

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from commissions.engine import CommissionPlan, PeriodInput, RankPay, compute

CENT = Decimal("0.01")
STATUSES = ("active", "active", "active", "inactive", "terminated")


def money_decimals(low, high):
    return st.integers(low, high).map(lambda c: Decimal(c) / 100)


def percents():
    return st.integers(0, 10000).map(lambda h: Decimal(h) / 100)


@st.composite
def plans(draw):
    count = draw(st.integers(0, 3))
    ranks = []
    for level in range(1, count + 1):
        ranks.append(
            {
                "level": level,
                "name": f"R{level}",
                "customer_percent": draw(percents()),
                "team_percents": draw(
                    st.lists(
                        st.sampled_from(
                            [Decimal(0), Decimal(1), Decimal("2.5"), Decimal(5), Decimal("33.33")]
                        ),
                        max_size=4,
                    )
                ),
                "bonus": draw(st.sampled_from([Decimal(0), Decimal("100"), Decimal("12.34")])),
            }
        )
    return {
        "ranks": ranks,
        "base": draw(percents()),
        "min_pv": draw(st.sampled_from([Decimal(0), Decimal(50), Decimal("100.01")])),
        "cap": draw(
            st.one_of(
                st.none(),
                st.sampled_from([Decimal(0), Decimal(5), Decimal("12.5"), Decimal(30)]),
                percents(),
            )
        ),
        "min_payout": draw(st.sampled_from([Decimal(0), Decimal(25), Decimal("0.01")])),
    }


@st.composite
def worlds(draw):
    n = draw(st.integers(1, 14))
    sponsor = {1: None}
    for pid in range(2, n + 1):
        sponsor[pid] = draw(st.one_of(st.none(), st.integers(1, pid - 1)))
    status = {pid: draw(st.sampled_from(STATUSES)) for pid in sponsor}
    plan = draw(plans())
    levels = [0] + [r["level"] for r in plan["ranks"]]
    periods = []
    for _ in range(draw(st.integers(1, 3))):
        ids = st.sampled_from(sorted(sponsor))
        periods.append(
            {
                "pv": draw(st.dictionaries(ids, money_decimals(-5000, 30000), max_size=n)),
                "paid_as": draw(st.dictionaries(ids, st.sampled_from(levels), max_size=n)),
                "customer": draw(st.dictionaries(ids, money_decimals(-20000, 100000), max_size=n)),
                "own": draw(st.dictionaries(ids, money_decimals(-5000, 50000), max_size=n)),
                "company": draw(money_decimals(0, 50000)),
            }
        )
    return {"sponsor": sponsor, "status": status, "plan": plan, "periods": periods}


# --- The plain implementation, from the spec's words ------------------------------


def _line_key(line):
    kind, downline, _g, _cv, _percent, _reason, skipped = line
    return (kind, downline, skipped or 0)


def round_half_up(value) -> Decimal:
    with localcontext() as ctx:
        ctx.prec = 80
        return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def plain_period(world, period, titles, bonuses_paid, carried):
    plan = world["plan"]
    rank = {r["level"]: r for r in plan["ranks"]}
    sponsor, status = world["sponsor"], world["status"]
    pv = lambda p: period["pv"].get(p, Decimal(0))  # noqa: E731
    paid_as = lambda p: period["paid_as"].get(p, 0)  # noqa: E731
    cv = lambda p: period["customer"].get(p, Decimal(0)) + period["own"].get(p, Decimal(0))  # noqa: E731

    def active_qualified(p):
        return status[p] == "active" and pv(p) >= plan["min_pv"]

    customer, team, bonus = {}, {}, {}
    # The explanation: a team line per (earning ancestor, downline partner), and
    # on the same statement every ancestor skipped between the two, with why.
    explained = {}
    # 1. customer commission: customer CV x r / 100; terminated partners earn nothing new
    for p, amount in period["customer"].items():
        if status[p] != "terminated":
            r = rank[paid_as(p)]["customer_percent"] if paid_as(p) else plan["base"]
            customer[p] = amount * r / 100
    # 2. team commission: walk d's ancestors nearest first
    longest = max((len(r["team_percents"]) for r in plan["ranks"]), default=0)

    def why_skipped(a):
        if status[a] == "terminated":
            return "terminated"
        return "inactive" if status[a] != "active" else "below_min_pv"

    def walk(d, a, g, skipped):
        if a is None or g > longest:
            return
        if not active_qualified(a):
            walk(d, sponsor[a], g, [*skipped, (a, g, why_skipped(a))])  # skipped: g stays
            return
        percents = rank[paid_as(a)]["team_percents"] if paid_as(a) else []
        if len(percents) >= g:
            team[a] = team.get(a, Decimal(0)) + cv(d) * percents[g - 1] / 100
            if percents[g - 1]:
                lines = explained.setdefault(a, [])
                lines.append(("team", d, g, cv(d), percents[g - 1], None, None))
                lines.extend(("skipped", d, sg, cv(d), None, why, s) for s, sg, why in skipped)
        walk(d, sponsor[a], g + 1, skipped)

    for d in sponsor:
        if cv(d) != 0:
            walk(d, sponsor[d], 1, [])
    # 3. advancement bonus: every rank with L0 < level <= L1, once in a lifetime per rank
    for p in sponsor:
        before, after = titles.get(p, 0), max(titles.get(p, 0), paid_as(p))
        if status[p] == "terminated":
            continue
        for r in plan["ranks"]:
            if (
                before < r["level"] <= after
                and r["name"] not in bonuses_paid.get(p, set())
                and r["bonus"]
            ):
                bonus[p] = bonus.get(p, Decimal(0)) + r["bonus"]
                bonuses_paid.setdefault(p, set()).add(r["name"])
    # 4. cap on the exact sums
    factor = None
    if plan["cap"] is not None:
        total_cv = sum(cv(p) for p in sponsor) + period["company"]
        limit = plan["cap"] / 100 * total_cv
        c, t, b = (
            sum(customer.values(), Decimal(0)),
            sum(team.values(), Decimal(0)),
            sum(bonus.values(), Decimal(0)),
        )
        if c + t + b > limit and t > 0:
            factor = (max(Decimal(0), limit - c - b), t)
    # 5. rounding and 6. balance
    statements = {}
    for p in sponsor:
        cust = round_half_up(customer.get(p, 0))
        exact_team = team.get(p, Decimal(0))
        if factor is not None:
            with localcontext() as ctx:
                ctx.prec = 80
                exact_team = exact_team * factor[0] / factor[1]
        tm = round_half_up(exact_team)
        bn = round_half_up(bonus.get(p, 0))
        total = cust + tm + bn
        carried_in = carried.get(p, Decimal(0))
        balance = total + carried_in
        if balance > 0 and balance >= plan["min_payout"]:
            payout, carried_out = balance, Decimal(0)
        else:
            payout, carried_out = Decimal(0), balance
        figures = (cust, tm, bn, total, carried_in, payout, carried_out)
        if any(figures):
            statements[p] = figures + (sorted(explained.get(p, []), key=_line_key),)
    for p in sponsor:  # the title after the close
        titles[p] = max(titles.get(p, 0), paid_as(p))
    return statements


# --- The engine, fed the same history -----------------------------------------------


def units(value: Decimal) -> int:
    return int(value * 100)


def engine_plan(plan) -> CommissionPlan:
    return CommissionPlan(
        ranks=tuple(
            RankPay(
                level=r["level"],
                name=r["name"],
                customer_percent=units(r["customer_percent"]),
                team_percents=tuple(units(t) for t in r["team_percents"]),
                advancement_bonus=units(r["bonus"]),
            )
            for r in plan["ranks"]
        ),
        base_customer_percent=units(plan["base"]),
        active_min_pv=units(plan["min_pv"]),
        cap_percent=units(plan["cap"]) if plan["cap"] is not None else None,
        min_payout=units(plan["min_payout"]),
    )


def engine_period(world, period, titles, bonuses_paid, carried):
    customer = {p: units(v) for p, v in period["customer"].items() if v}
    own = {p: units(v) for p, v in period["own"].items() if v}
    data = PeriodInput(
        sponsor=world["sponsor"],
        status={p: s for p, s in world["status"].items() if s != "active"},
        pv={p: units(v) for p, v in period["pv"].items()},
        paid_as={p: lvl for p, lvl in period["paid_as"].items() if lvl},
        customer_cv=customer,
        own_cv=own,
        cv_total=sum(customer.values()) + sum(own.values()) + units(period["company"]),
        title_before=dict(titles),
        bonus_paid={p: set(names) for p, names in bonuses_paid.items()},
        carried_in={p: units(v) for p, v in carried.items() if v},
    )
    results, summary = compute(engine_plan(world["plan"]), data)
    out = {}
    for p, r in results.items():
        lines = [
            (
                kind,
                d,
                g,
                Decimal(cv) / 100,
                None if t is None else Decimal(t) / 100,
                reason or None,
                s,
            )
            for kind, d, g, cv, t, _amount, _rank, reason, s in r.lines
            if kind in ("team", "skipped")
        ]
        out[p] = tuple(
            Decimal(x) / 100
            for x in (r.customer, r.team, r.bonus, r.total, r.carried_in, r.payout, r.carried_out)
        ) + (sorted(lines, key=_line_key),)
        for line in r.lines:
            if line[0] == "bonus":
                bonuses_paid.setdefault(p, set()).add(line[6])
    for p, lvl in period["paid_as"].items():
        titles[p] = max(titles.get(p, 0), lvl)
    return out, summary


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(worlds())
def test_statements_equal_the_plain_reading_of_the_spec_and_no_money_is_lost(world):
    plain_titles, plain_bonuses, plain_carried = {}, {}, {}
    titles, bonuses, carried = {}, {}, {}
    totals = payouts = Decimal(0)
    for period in world["periods"]:
        expected = plain_period(world, period, plain_titles, plain_bonuses, plain_carried)
        got, summary = engine_period(world, period, titles, bonuses, carried)

        assert got == expected
        plain_carried = {p: f[6] for p, f in expected.items() if f[6]}
        carried = {p: f[6] for p, f in got.items() if f[6]}
        totals += sum((f[3] for f in got.values()), Decimal(0))
        payouts += sum((f[5] for f in got.values()), Decimal(0))
        assert Decimal(summary.total) / 100 == sum((f[3] for f in got.values()), Decimal(0))
    # Every euro earned is paid out or still carried.
    assert payouts + sum(carried.values(), Decimal(0)) == totals
