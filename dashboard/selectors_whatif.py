"""The "What's missing?" page: the gap to a rank, the simulator and the team
members close to a rank, in words. The arithmetic is qualification/whatif.py
(pure); the figures are the report card's (qualification.selectors), so this
module only reads them once and phrases the result. A fixed number of queries,
whatever the size of the team."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.text import get_text_list
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from commissions.selectors import CommissionWhatIf, commission_whatif, partner_commission_input
from partners.models import Partner
from qualification.models import Period
from qualification.ranks import Leg, RankRule, requirements
from qualification.selectors import partner_report_card, team_nearest_ranks
from qualification.whatif import NEW, OWN, RankGap, rank_gap, simulate, unqualified_legs

from .selectors import _requirement_label, volume_display

NEAREST_PER_PAGE = 20


def _team_of(name: str) -> str:
    return _("in %(name)s's team") % {"name": name}


def split_words(split: dict, names: dict[int, str]) -> str:
    """{OWN: 150, 7: 150} -> "150 PV of your own and 150 PV in Ben's team"."""
    parts = []
    for source, amount in split.items():
        if not amount:
            continue
        pv = volume_display(amount)
        if source == OWN:
            parts.append(_("%(pv)s PV of your own") % {"pv": pv})
        elif source == NEW:
            parts.append(_("%(pv)s PV in a new line") % {"pv": pv})
        else:
            parts.append(_("%(pv)s PV %(where)s") % {"pv": pv, "where": _team_of(names[source])})
    return get_text_list(parts, _("and"))


@dataclass
class HeadroomRow:
    name: str
    room: Decimal | None  # None: no cap, any amount counts
    sentence: str = ""  # what more volume in this line does, and why


def line_sentence(*, name: str, leg: Leg, rule: RankRule) -> str:
    """What more volume in one line counts, with its reason: the line's room
    under the cap, or that it is at the cap already and is left out."""
    cap = rule.leg_cap
    if cap is None:
        return _("%(name)s's team: any amount counts") % {"name": name}
    values = {
        "name": name,
        "gv": volume_display(leg.gv),
        "cap": volume_display(cap),
        "room": volume_display(max(cap - leg.gv, Decimal(0))),
    }
    if leg.gv >= cap:
        return (
            _(
                "%(name)s's team: %(gv)s PV, of which %(cap)s count, the most one line may "
                "bring; more volume there does not count"
            )
            % values
        )
    return _(
        "%(name)s's team: %(gv)s PV, up to %(room)s PV more counts (its room under the cap)"
    ) % (values)


def cap_sentence(rule: RankRule) -> str:
    """ "For Gold one line counts up to 2,000 PV (50 % of 4,000 PV)." """
    if rule.leg_cap is None:
        return ""
    return _("For %(rank)s one line counts up to %(cap)s PV (%(percent)s %% of %(gv)s PV).") % {
        "rank": rule.name,
        "cap": volume_display(rule.leg_cap),
        "percent": volume_display(rule.max_leg_percent),
        "gv": volume_display(rule.min_gv),
    }


@dataclass
class GapView:
    rule: RankRule
    gap: RankGap
    summary: str  # when every requirement is met
    items: list[str]  # one per missing thing: the volume, the lines
    ways: list[str]  # concrete ways to bring the volume, each once
    forced_sentence: str
    rooms: list[HeadroomRow]  # every line, with what more volume in it counts
    new_leg_room: Decimal | None
    unqualified_names: list[str]
    cap_sentence: str = ""
    requirements: list = field(default_factory=list)


def _forced_sentence(gap: RankGap) -> str:
    if not gap.total:
        return ""
    values = {
        "total": volume_display(gap.total),
        "own": volume_display(gap.pv_missing),
        "rest": volume_display(gap.flexible),
    }
    if gap.flexible == 0:
        return _("%(total)s PV more, all of it your own volume (your PV is short).") % values
    if gap.pv_missing == 0:
        return (
            _(
                "%(total)s PV more in total, from your own volume or from any of these teams "
                "up to its room."
            )
            % values
        )
    return (
        _(
            "%(total)s PV more in total: %(own)s of it must be your own volume, the other "
            "%(rest)s may be your own or come from any of these teams up to its room."
        )
        % values
    )


def _lines_sentence(gap: RankGap, rule: RankRule, unqualified: list[str]) -> str:
    if not gap.legs_missing:
        return ""
    sentence = ngettext(
        "%(lines)s more line with someone paid as %(leg_rank)s or higher.",
        "%(lines)s more lines with someone paid as %(leg_rank)s or higher.",
        gap.legs_missing,
    ) % {"lines": gap.legs_missing, "leg_rank": rule.leg_rank_name}
    if unqualified:
        sentence += " " + _("Lines without one yet: %(names)s; or a new line.") % {
            "names": ", ".join(unqualified)
        }
    return sentence


def gap_view(*, pv: Decimal, legs: list[Leg], names: dict[int, str], rule: RankRule) -> GapView:
    """The gap as a short list, one item per missing thing (the volume, the
    lines), the concrete ways to bring the volume (each once), and for every
    line what more volume in it counts and why (its room under the cap)."""
    gap = rank_gap(pv, legs, rule)
    ways = [split_words(split, names) for split in gap.splits()] if gap.flexible else []
    unqualified = [names[leg.partner_id] for leg in unqualified_legs(legs, rule)]
    forced = _forced_sentence(gap)
    items = [item for item in (forced, _lines_sentence(gap, rule, unqualified)) if item]
    summary = _("%(rank)s: you meet every requirement.") % {"rank": rule.name} if gap.met else ""
    return GapView(
        rule=rule,
        gap=gap,
        summary=summary,
        items=items,
        ways=ways,
        forced_sentence=forced,
        rooms=[
            HeadroomRow(
                names[leg.partner_id],
                None if rule.leg_cap is None else max(rule.leg_cap - leg.gv, Decimal(0)),
                line_sentence(name=names[leg.partner_id], leg=leg, rule=rule),
            )
            for leg in legs
        ],
        new_leg_room=gap.new_leg_room,
        unqualified_names=unqualified,
        cap_sentence=cap_sentence(rule),
        requirements=[
            (_requirement_label(req.key, rule), req) for req in requirements(pv, legs, rule)
        ],
    )


@dataclass
class SimulationRow:
    rule: RankRule
    met: bool
    requirements: list  # (label, Requirement)


@dataclass
class SimulationView:
    before: RankRule | None
    after: RankRule | None
    where: str
    amount: Decimal
    rows: list[SimulationRow]
    commission: CommissionWhatIf | None = None


@dataclass
class WhatIf:
    partner: Partner
    period: Period
    pv: Decimal
    paid_as_name: str
    gap: GapView | None
    higher_ranks: list[RankRule]
    leg_choices: list[tuple[int, str]]
    legs: list[Leg] = field(default_factory=list)
    names: dict[int, str] = field(default_factory=dict)
    plan: list[RankRule] = field(default_factory=list)


def partner_whatif(*, partner: Partner, period: Period, rank: int | None = None) -> WhatIf:
    """The gap to the next rank (or the chosen higher one). Three queries."""
    card = partner_report_card(partner=partner, period=period, rank=rank)
    legs = [leg for _child, leg in card.legs]
    names = {child.pk: child.first_name for child, _leg in card.legs}
    result = WhatIf(
        partner=partner,
        period=period,
        pv=card.stats.pv,
        paid_as_name=card.stats.paid_as_name or "",
        gap=None,
        higher_ranks=card.higher_ranks,
        leg_choices=[(child.pk, child.full_name) for child, _leg in card.legs],
        legs=legs,
        names=names,
        plan=card.plan,
    )
    if card.rank is not None:
        result.gap = gap_view(pv=card.stats.pv, legs=legs, names=names, rule=card.rank)
    return result


def whatif_simulate(whatif: WhatIf, *, target, amount: Decimal) -> SimulationView:
    """Re-run the rank rules with `amount` more PV at `target`, and the
    commission estimate with it; stores nothing."""
    sim = simulate(whatif.pv, whatif.legs, whatif.plan, target, amount)
    if target == OWN:
        where = _("your own volume")
    elif target == NEW:
        where = _("a new line")
    else:
        where = _team_of(whatif.names[target])
    # The estimate by the commission engine on the same hypothetical: the
    # partner's rank as simulated, the volume's CV in the chosen place.
    commission = commission_whatif(
        partner_commission_input(partner=whatif.partner, period=whatif.period),
        level_before=sim.before.level if sim.before else 0,
        level_after=sim.after.level if sim.after else 0,
        target=target,
        pv=amount,
    )
    return SimulationView(
        before=sim.before,
        after=sim.after,
        where=where,
        amount=amount,
        rows=[
            SimulationRow(rule, met, [(_requirement_label(q.key, rule), q) for q in reqs])
            for rule, reqs, met in sim.requirements
        ],
        commission=commission,
    )


@dataclass
class NearMember:
    member: Partner
    rule: RankRule
    missing: Decimal
    sentence: str


def team_near_ranks(
    *, partner: Partner, period: Period, plan_desc: list[RankRule], page: int = 1
) -> tuple[list[NearMember], bool]:
    """Team members by how little they miss for their next rank, in words
    ("Dora Dietz is missing 40 PV for Bronze"). One query."""
    by_level = {r.level: r for r in plan_desc}
    offset = (page - 1) * NEAREST_PER_PAGE
    rows, more = team_nearest_ranks(
        partner=partner, period=period, plan_desc=plan_desc, offset=offset, limit=NEAREST_PER_PAGE
    )
    result = []
    for member in rows:
        rule = by_level[member.next_level]
        values = {"name": member.full_name, "pv": volume_display(member.missing), "rank": rule.name}
        if member.missing == 0:
            sentence = (
                _(
                    "%(name)s reaches the PV and GV of %(rank)s; capped legs or missing qualified "
                    "lines hold them back"
                )
                % values
            )
        elif rule.leg_cap is None:
            sentence = _("%(name)s is missing %(pv)s PV for %(rank)s") % values
        else:
            sentence = _("%(name)s is missing at least %(pv)s PV for %(rank)s") % values
        if rule.min_qualified_legs:
            sentence += " " + _("(%(rank)s also needs %(lines)s)") % {
                "rank": rule.name,
                "lines": ngettext(
                    "%(count)s line with %(leg_rank)s",
                    "%(count)s lines with %(leg_rank)s",
                    rule.min_qualified_legs,
                )
                % {"count": rule.min_qualified_legs, "leg_rank": rule.leg_rank_name},
            }
        result.append(NearMember(member, rule, member.missing, sentence))
    return result, more
