"""The arithmetic of commissions.md section 3, as a pure function over plain data.

The close of a period and the live estimate of the open one both call
`compute()`, so the two can never disagree. No database access here:
services.py reads the inputs in a few set-based queries and writes the result.

Exact integer arithmetic throughout:

    CV, PV, money   integer cents
    percents        integer hundredths of a percent (the plan allows two places)
    amounts         integer micro-euros: cents x hundredths = 1e-2 x 1e-2 / 100 EUR

so CV x percent / 100 is one integer product, sums are exact, and only the cap
factor needs a fraction (kept as one: limit, C, B and T are integers).
"Round" is half-up (away from zero on a tie, as Decimal's ROUND_HALF_UP) to the cent.
"""

import gc
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

MICRO_PER_CENT = 10_000
ACTIVE = "active"
TERMINATED = "terminated"

# Line kinds and skip reasons (the choices of models.StatementLine).
CUSTOMER, TEAM, SKIPPED, BONUS, CAP = "customer", "team", "skipped", "bonus", "cap"
INACTIVE, BELOW_MIN_PV = "inactive", "below_min_pv"


@dataclass(frozen=True)
class RankPay:
    """What a rank pays: percents in hundredths, money in cents."""

    level: int
    name: str
    customer_percent: int = 0
    team_percents: tuple[int, ...] = ()
    advancement_bonus: int = 0


@dataclass(frozen=True)
class CommissionPlan:
    ranks: tuple[RankPay, ...] = ()
    base_customer_percent: int = 0
    active_min_pv: int = 0  # cents
    cap_percent: int | None = None  # hundredths; None = no cap
    min_payout: int = 0  # cents

    def __post_init__(self):
        object.__setattr__(self, "by_level", {r.level: r for r in self.ranks})
        object.__setattr__(
            self, "max_generation", max((len(r.team_percents) for r in self.ranks), default=0)
        )

    def customer_percent(self, level: int) -> int:
        """Hundredths of a percent of customer CV for a paid-as level (0 = none)."""
        rank = self.by_level.get(level) if level else None
        return rank.customer_percent if rank is not None else self.base_customer_percent

    def team_percents(self, level: int) -> tuple[int, ...]:
        rank = self.by_level.get(level) if level else None
        return rank.team_percents if rank is not None else ()

    def rank_name(self, level: int) -> str:
        rank = self.by_level.get(level) if level else None
        return rank.name if rank is not None else ""


@dataclass
class PeriodInput:
    """Everything the computation reads for one period.

    sponsor:       partner id -> sponsor id (None at the top), for every partner
                   that is an ancestor of a partner with CV;
    status:        partner id -> status, for partners whose status is not
                   "active" (missing = active);
    pv:            partner id -> PV cents in the period (missing = 0);
    paid_as:       partner id -> paid-as level in the period (missing = no rank);
    customer_cv:   partner id -> net customer CV cents of the period's entries;
    own_cv:        partner id -> net own CV cents;
    cv_total:      net CV cents of all entries of the period (company orders too);
    title_before:  partner id -> title level before this period (missing = 0);
    bonus_paid:    partner id -> names of ranks whose bonus was paid before;
    carried_in:    partner id -> carried_out cents of the previous closed period.
    """

    sponsor: Mapping[int, int | None]
    status: Mapping[int, str] = field(default_factory=dict)
    pv: Mapping[int, int] = field(default_factory=dict)
    paid_as: Mapping[int, int] = field(default_factory=dict)
    customer_cv: Mapping[int, int] = field(default_factory=dict)
    own_cv: Mapping[int, int] = field(default_factory=dict)
    cv_total: int = 0
    title_before: Mapping[int, int] = field(default_factory=dict)
    bonus_paid: Mapping[int, Iterable[str]] = field(default_factory=dict)
    carried_in: Mapping[int, int] = field(default_factory=dict)


# A line: (kind, source partner id, generation, cv cents, percent hundredths,
# exact amount (micro-euros; for the cap (numerator, denominator)), rank name, reason,
# skipped partner id). A skipped line sits on the statement of each ancestor
# that earned from the same downline partner further up: it names the
# compressed ancestor in between, why it was skipped and the generation it
# would have had, so every generation number can be explained.
# Customer lines by order are not materialised here (a million orders): the
# customer amount is customer CV x percent, and services.py writes one line per
# order with the same percent (CommissionPlan.customer_percent).
Line = tuple


@dataclass(slots=True)
class Result:
    partner_id: int
    paid_as_level: int = 0
    paid_as_name: str = ""
    active_qualified: bool = False
    pv: int = 0
    customer_cv: int = 0
    own_cv: int = 0
    customer_percent: int = 0
    customer_exact: int = 0  # micro
    team_exact: int = 0  # micro, before the cap
    bonus: int = 0  # cents
    customer: int = 0  # cents, rounded
    team: int = 0  # cents, after the cap, rounded
    total: int = 0
    carried_in: int = 0
    payout: int = 0
    carried_out: int = 0
    lines: list = field(default_factory=list)

    @property
    def cv(self) -> int:
        return self.customer_cv + self.own_cv

    @property
    def has_statement(self) -> bool:
        return bool(
            self.customer
            or self.team
            or self.bonus
            or self.total
            or self.carried_in
            or self.payout
            or self.carried_out
        )


@dataclass
class Summary:
    cv_total: int = 0
    customer_exact: int = 0  # micro
    team_exact: int = 0  # micro, before the cap
    bonus: int = 0  # cents
    cap_limit: int | None = None  # micro
    cap_factor: Fraction | None = None  # None: no cap applied
    customer: int = 0  # cents, sums of the rounded figures
    team: int = 0
    total: int = 0
    payout: int = 0
    carried: int = 0
    statements: int = 0


def round_micro(micro: int) -> int:
    """Micro-euros to cents, half-up (ties away from zero)."""
    if micro >= 0:
        return (micro + MICRO_PER_CENT // 2) // MICRO_PER_CENT
    return -((-micro + MICRO_PER_CENT // 2) // MICRO_PER_CENT)


def divide_half_up(numerator: int, denominator: int) -> int:
    """numerator / denominator (> 0) rounded half-up (ties away from zero)."""
    quotient, remainder = divmod(abs(numerator), denominator)
    if 2 * remainder >= denominator:
        quotient += 1
    return quotient if numerator >= 0 else -quotient


def round_fraction(value: Fraction) -> int:
    """A fraction of micro-euros to cents, half-up (ties away from zero)."""
    cents = value / MICRO_PER_CENT
    sign = -1 if cents < 0 else 1
    cents = abs(cents)
    whole = int(cents)  # floor for >= 0
    if cents - whole >= Fraction(1, 2):
        whole += 1
    return sign * whole


def skip_reason(status: str, pv: int, plan: CommissionPlan) -> str | None:
    """Why an ancestor is compressed (None: active-qualified)."""
    if status == TERMINATED:
        return TERMINATED
    if status != ACTIVE:
        return INACTIVE
    if pv < plan.active_min_pv:
        return BELOW_MIN_PV
    return None


@contextmanager
def cycle_collection_paused() -> Iterator[None]:
    """Pause Python's cycle collector while a period's figures and lines are
    built: a million small objects without cycles (freed by reference
    counting all the same), which the collector would otherwise walk over
    and over as they pile up (a third of the engine's time at 100k partners)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def compute(
    plan: CommissionPlan,
    data: PeriodInput,
    *,
    explain: bool = True,
    team_generations: dict[int, list[int]] | None = None,
) -> tuple[dict[int, Result], Summary]:
    """The statements of one period: partner id -> Result (only those with a
    statement), and the period summary. explain=False leaves the lines out
    (the same figures, for the estimate). A `team_generations` dict is filled
    with partner id -> CV cents by generation (index 0 = generation 1) as each
    ancestor sees its team, qualified or not (the what-if's legs)."""
    with cycle_collection_paused():
        return _compute(plan, data, explain, team_generations)


def _compute(
    plan: CommissionPlan,
    data: PeriodInput,
    explain: bool,
    team_generations: dict[int, list[int]] | None,
) -> tuple[dict[int, Result], Summary]:
    results: dict[int, Result] = {}
    status_of = data.status.get
    pv_of = data.pv.get
    paid_as_of = data.paid_as.get
    by_level = plan.by_level
    name_of = {level: plan.rank_name(level) for level in (0, *by_level)}

    def result(pid: int) -> Result:
        res = results.get(pid)
        if res is None:
            level = paid_as_of(pid, 0)
            name = name_of.get(level)
            if name is None:
                name = name_of[level] = plan.rank_name(level)
            res = results[pid] = Result(
                partner_id=pid,
                paid_as_level=level,
                paid_as_name=name,
                pv=pv_of(pid, 0),
                active_qualified=skip_reason(status_of(pid, ACTIVE), pv_of(pid, 0), plan) is None,
            )
        return res

    # 1. Customer commission (inactive partners earn it too; terminated ones nothing new).
    for pid, cv in data.customer_cv.items():
        res = result(pid)
        res.customer_cv = cv
        if status_of(pid, ACTIVE) != TERMINATED:
            res.customer_percent = plan.customer_percent(res.paid_as_level)
            res.customer_exact = cv * res.customer_percent
    for pid, cv in data.own_cv.items():
        result(pid).own_cv = cv

    # 2. Team commission with dynamic compression: every partner d with CV,
    # ancestors nearest first; a compressed ancestor keeps the generation.
    # Siblings see the same upline, so the walk up from a sponsor is made
    # once and replayed for each of its downline partners with CV: the
    # ancestors that earn, at which generation and percent, and who was
    # skipped below each of them.
    max_gen = plan.max_generation
    if max_gen:
        sponsor_of = data.sponsor.get

        # Each ancestor's skip reason (None: active-qualified), team percents
        # and Result (made when it first earns).
        ancestors: dict[int, list] = {}

        def walk(a: int) -> tuple[tuple, tuple]:
            steps = []
            visited = []  # (ancestor, generation), qualified or not: team_generations
            skipped: list[
                tuple[int, int, str]
            ] = []  # (ancestor, generation it would have had, reason)
            g = 1
            while a is not None and g <= max_gen:
                if team_generations is not None:
                    visited.append((a, g))
                info = ancestors.get(a)
                if info is None:
                    level = paid_as_of(a, 0)
                    rank = by_level.get(level) if level else None
                    info = ancestors[a] = [
                        skip_reason(status_of(a, ACTIVE), pv_of(a, 0), plan),
                        rank.team_percents if rank is not None else (),
                        None,
                    ]
                reason, percents, res = info
                if reason is not None:
                    skipped.append((a, g, reason))
                else:
                    if g <= len(percents) and percents[g - 1]:
                        if res is None:
                            res = info[2] = result(a)
                        steps.append((res, g, percents[g - 1], tuple(skipped)))
                    g += 1
                a = sponsor_of(a)
            return tuple(steps), tuple(visited)

        cv_of: dict[int, int] = dict(data.customer_cv)
        for pid, cv in data.own_cv.items():
            cv_of[pid] = cv_of.get(pid, 0) + cv
        walks: dict[int, tuple] = {}  # sponsor id -> the walk up from it
        for d, cv in cv_of.items():
            if not cv:
                continue
            sponsor = sponsor_of(d)
            if sponsor is None:
                continue
            known = walks.get(sponsor)
            if known is None:
                known = walks[sponsor] = walk(sponsor)
            steps, visited = known
            for a, g in visited:
                gens = team_generations.get(a)
                if gens is None:
                    gens = team_generations[a] = [0] * max_gen
                gens[g - 1] += cv
            for res, g, t, skipped in steps:
                amount = cv * t
                res.team_exact += amount
                if explain:
                    lines = res.lines
                    lines.append((TEAM, d, g, cv, t, amount, "", "", None))
                    # Why d is generation g for the ancestor: the compressed ones in between.
                    for skipped_id, skipped_g, reason in skipped:
                        lines.append((SKIPPED, d, skipped_g, cv, None, 0, "", reason, skipped_id))

    # 3. Advancement bonus: every rank passed on the way up, once in a lifetime.
    bonus_ranks = _bonus_ranks(plan)
    if bonus_ranks:
        title_of = data.title_before.get
        paid_of = data.bonus_paid.get
        for pid, level in data.paid_as.items():
            before = title_of(pid, 0)
            if level <= before or status_of(pid, ACTIVE) == TERMINATED:
                continue
            paid = paid_of(pid) or ()
            res = None
            for rank in bonus_ranks:
                if _bonus_earned(rank, before, level, paid):
                    if res is None:
                        res = result(pid)
                    res.bonus += rank.advancement_bonus
                    res.lines.append(
                        (
                            BONUS,
                            None,
                            None,
                            None,
                            None,
                            rank.advancement_bonus * MICRO_PER_CENT,
                            rank.name,
                            "",
                            None,
                        )
                    )

    for pid, cents in data.carried_in.items():
        if cents:
            result(pid).carried_in = cents

    # 4. Cap: team commissions scaled so that C + T + B stays within the limit.
    summary = Summary(cv_total=data.cv_total)
    summary.customer_exact = sum(r.customer_exact for r in results.values())
    summary.team_exact = sum(r.team_exact for r in results.values())
    summary.bonus = sum(r.bonus for r in results.values())
    factor = None
    if plan.cap_percent is not None:
        summary.cap_limit = limit = plan.cap_percent * data.cv_total
        c, t, b = summary.customer_exact, summary.team_exact, summary.bonus * MICRO_PER_CENT
        if c + t + b > limit and t > 0:
            factor = Fraction(max(0, limit - c - b), t)
    summary.cap_factor = factor

    # 5. Rounding per type, 6. balance.
    min_payout = plan.min_payout
    if factor is not None:
        factor_num, factor_den = factor.numerator, factor.denominator
    for res in results.values():
        res.customer = round_micro(res.customer_exact)
        if factor is None:
            res.team = round_micro(res.team_exact)
        else:
            # team_exact x f in integers: f = numerator / denominator.
            scaled = res.team_exact * factor_num
            res.team = divide_half_up(scaled, factor_den * MICRO_PER_CENT)
            if res.team_exact and explain:
                # The change the cap made, exactly: (numerator, denominator) micro-euros.
                delta = (scaled - res.team_exact * factor_den, factor_den)
                res.lines.append((CAP, None, None, None, None, delta, "", "", None))
        _settle(res, min_payout)
    for pid in [pid for pid, res in results.items() if not res.has_statement]:
        del results[pid]
    for res in results.values():
        summary.customer += res.customer
        summary.team += res.team
        summary.total += res.total
        summary.payout += res.payout
        summary.carried += res.carried_out
    summary.statements = len(results)
    return results, summary


def _bonus_ranks(plan: CommissionPlan) -> list[RankPay]:
    return sorted((r for r in plan.ranks if r.advancement_bonus), key=lambda r: r.level)


def _bonus_earned(rank: RankPay, before: int, level: int, paid: Iterable[str]) -> bool:
    """Rank passed on the way from title `before` to paid-as `level`, not paid before."""
    return before < rank.level <= level and rank.name not in paid


def _settle(res: Result, min_payout: int) -> None:
    """Total, then payout or carry (steps 5 and 6 after rounding)."""
    res.total = res.customer + res.team + res.bonus
    balance = res.total + res.carried_in
    if balance > 0 and balance >= min_payout:
        res.payout, res.carried_out = balance, 0
    else:
        res.payout, res.carried_out = 0, balance


# --- One partner's statement on a hypothetical input (the what-if) ------------------


@dataclass(frozen=True)
class TeamLeg:
    """One leg of a partner as the partner's team commission sees it: the CV of
    the leg's head (always generation 1: nobody sits between) and the CV of the
    rest of the leg by generation counted as if the head were compressed
    (rest_cv[0] = generation 1). An active-qualified head pushes the rest one
    generation down; compressed partners deeper in the leg are already counted
    in rest_cv (their qualification is taken as it is)."""

    head_cv: int = 0
    head_qualified: bool = False
    rest_cv: tuple[int, ...] = ()


def team_cv_by_generation(legs: Iterable[TeamLeg], max_generation: int) -> list[int]:
    """CV cents per generation (index 0 = generation 1) under a partner, after
    dynamic compression, up to the plan's longest team_percents list."""
    by_gen = [0] * max_generation
    if not max_generation:
        return by_gen
    for leg in legs:
        by_gen[0] += leg.head_cv
        shift = 1 if leg.head_qualified else 0
        for index, cv in enumerate(leg.rest_cv):
            generation = index + shift
            if generation >= max_generation:
                break
            by_gen[generation] += cv
    return by_gen


@dataclass
class PartnerInput:
    """One partner's part of a PeriodInput, with the team's CV already summed
    by compressed generation (team_cv[0] = generation 1)."""

    partner_id: int
    status: str = ACTIVE
    pv: int = 0
    paid_as: int = 0
    customer_cv: int = 0
    own_cv: int = 0
    team_cv: tuple[int, ...] | list[int] = ()
    title_before: int = 0
    bonus_paid: Iterable[str] = ()
    carried_in: int = 0


def partner_compute(
    plan: CommissionPlan, data: PartnerInput, *, cap_factor: Fraction | None = None
) -> Result:
    """One partner's statement by the rules of compute(), from the partner's own
    figures and the team CV by generation: sum over d of CV(d) x t(g(d)) equals
    sum over g of (CV of generation g) x t(g), in the same integers. The cap
    factor is the company's (it depends on everybody); None = no cap applied."""
    status, pv, level = data.status, data.pv, data.paid_as
    res = Result(
        partner_id=data.partner_id,
        paid_as_level=level,
        paid_as_name=plan.rank_name(level),
        pv=pv,
        customer_cv=data.customer_cv,
        own_cv=data.own_cv,
        active_qualified=skip_reason(status, pv, plan) is None,
    )
    if status != TERMINATED:
        res.customer_percent = plan.customer_percent(level)
        res.customer_exact = data.customer_cv * res.customer_percent
    if res.active_qualified:
        percents = plan.team_percents(level)
        res.team_exact = sum(
            cv * t for cv, t in zip(data.team_cv, percents, strict=False) if t and cv
        )
    if level > data.title_before and status != TERMINATED:
        paid = tuple(data.bonus_paid)
        res.bonus = sum(
            rank.advancement_bonus
            for rank in _bonus_ranks(plan)
            if _bonus_earned(rank, data.title_before, level, paid)
        )
    res.carried_in = data.carried_in
    res.customer = round_micro(res.customer_exact)
    if cap_factor is None:
        res.team = round_micro(res.team_exact)
    else:
        res.team = divide_half_up(
            res.team_exact * cap_factor.numerator, cap_factor.denominator * MICRO_PER_CENT
        )
    _settle(res, plan.min_payout)
    return res


# --- Conversions for the callers ----------------------------------------------------

_CENT = Decimal("0.01")


def cents(value: Decimal) -> int:
    """Exact Decimal (at most two places) to integer cents."""
    scaled = value * 100
    if scaled != scaled.to_integral_value():
        raise ValueError(f"{value} has more than two decimal places")
    return int(scaled)


def money(cents_value: int) -> Decimal:
    return Decimal(cents_value).scaleb(-2)


def micro_decimal(micro) -> Decimal:
    """Micro-euros (int, Fraction or (numerator, denominator)) as a Decimal of
    at most 10 places."""
    if isinstance(micro, tuple):
        micro = Fraction(*micro)
    if isinstance(micro, Fraction):
        return (
            (Decimal(micro.numerator) / Decimal(micro.denominator))
            .scaleb(-6)
            .quantize(Decimal("1e-10"), rounding=ROUND_HALF_UP)
        )
    return Decimal(micro).scaleb(-6)


def factor_decimal(factor: Fraction | None) -> Decimal | None:
    if factor is None:
        return None
    return (Decimal(factor.numerator) / Decimal(factor.denominator)).quantize(
        Decimal("1e-20"), rounding=ROUND_HALF_UP
    )
