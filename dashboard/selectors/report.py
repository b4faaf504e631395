"""The qualification report card: this period's figures against the next (or
the chosen) rank, requirement by requirement, and each leg in words (how much
of it counts under the cap, whether it is qualified). Figures are read once
through qualification.selectors.partner_report_card."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext as _

from partners.models import Partner
from qualification.models import Period
from qualification.ranks import Leg, RankRule, leg_is_qualified
from qualification.selectors import partner_report_card, partner_title

from .display import HUNDRED, ZERO, volume_display
from .periods import period_days_left


@dataclass
class RequirementRow:
    key: str
    label: str
    have: Decimal
    need: Decimal
    missing: Decimal
    percent: int
    met: bool
    is_count: bool = False


@dataclass
class LegRow:
    partner_id: int
    slug: str
    name: str
    first_name: str
    gv: Decimal
    counted: Decimal
    capped: bool
    qualified: bool | None  # None: the rank needs no qualified legs
    explanation: str
    percent_of_need: int = 0


@dataclass
class RankChoice:
    level: int
    name: str


@dataclass
class QualificationProgress:
    partner: Partner
    period: Period
    pv: Decimal
    customer_pv: Decimal
    own_pv: Decimal
    gv: Decimal
    paid_as_level: int
    paid_as_name: str
    title_level: int
    title_name: str
    days_left: int
    rank: RankRule | None  # the rank the report card is about
    rank_is_next: bool
    requirements: list[RequirementRow] = field(default_factory=list)
    legs: list[LegRow] = field(default_factory=list)
    cap_sentences: list[str] = field(default_factory=list)
    higher_ranks: list[RankChoice] = field(default_factory=list)
    leg_cap: Decimal | None = None
    qualified_legs: int = 0

    @property
    def meets_rank(self) -> bool:
        return bool(self.requirements) and all(r.met for r in self.requirements)


def _requirement_label(key: str, rule: RankRule) -> str:
    if key == "pv":
        return _("Personal volume (PV)")
    if key == "qgv":
        if rule.leg_cap is not None:
            return _("Group volume counted for %(rank)s (legs capped)") % {"rank": rule.name}
        return _("Group volume (GV)")
    if key == "legs":
        return _("Legs with a %(rank)s or higher") % {"rank": rule.leg_rank_name}
    return key


def cap_sentence(*, leg_name: str, counted: Decimal, gv: Decimal, rule: RankRule) -> str:
    """'Finn's team counts 600 of its 900 for Silver: at most 60 % of 1,000 may
    come from one team' -- localized numbers, translatable text."""
    return _(
        "%(leg)s's team counts %(counted)s of its %(gv)s for %(rank)s: "
        "at most %(percent)s %% of %(min_gv)s may come from one team"
    ) % {
        "leg": leg_name,
        "counted": volume_display(counted),
        "gv": volume_display(gv),
        "rank": rule.name,
        "percent": volume_display(rule.max_leg_percent),
        "min_gv": volume_display(rule.min_gv),
    }


def _leg_explanation(
    row: Partner, leg: Leg, rule: RankRule, counted: Decimal
) -> tuple[bool | None, str]:
    parts = []
    qualified: bool | None = None
    if rule.min_qualified_legs:
        qualified = leg_is_qualified(leg, rule)
        if qualified:
            parts.append(
                _("qualified: someone in %(leg)s's team is paid as %(leg_rank)s or higher")
                % {"leg": row.first_name, "leg_rank": rule.leg_rank_name}
            )
        else:
            parts.append(
                _("not qualified: nobody in %(leg)s's team is paid as %(leg_rank)s or higher yet")
                % {"leg": row.first_name, "leg_rank": rule.leg_rank_name}
            )
    if counted < leg.gv:
        parts.append(cap_sentence(leg_name=row.first_name, counted=counted, gv=leg.gv, rule=rule))
    else:
        parts.append(_("counts in full (%(gv)s)") % {"gv": volume_display(leg.gv)})
    return qualified, "; ".join(parts)


def qualification_progress(
    *, partner: Partner, period: Period, rank: int | None = None, today: dt.date | None = None
) -> QualificationProgress:
    """The report card in words: where the partner stands in `period` and what
    exactly is missing for the next rank up (or the chosen higher rank `rank`,
    a level). Reads qualification.selectors' report card and the title: four
    queries, whatever the team size."""
    card = partner_report_card(partner=partner, period=period, rank=rank)
    title = partner_title(partner=partner)
    stats = card.stats
    rule = card.rank
    progress = QualificationProgress(
        partner=partner,
        period=period,
        pv=stats.pv,
        customer_pv=stats.customer_pv,
        own_pv=stats.own_pv,
        gv=stats.gv,
        paid_as_level=stats.paid_as_level,
        paid_as_name=stats.paid_as_name or "",
        title_level=title.level if title else 0,
        title_name=title.name if title else "",
        days_left=period_days_left(period=period, today=today) if period.is_open else 0,
        rank=rule,
        rank_is_next=card.rank_is_next,
        higher_ranks=[RankChoice(r.level, r.name) for r in card.higher_ranks],
    )
    if rule is None:
        progress.legs = [
            LegRow(
                partner_id=child.pk,
                slug=child.slug,
                name=child.full_name,
                first_name=child.first_name,
                gv=leg.gv,
                counted=leg.gv,
                capped=False,
                qualified=None,
                explanation="",
            )
            for child, leg in card.legs
        ]
        return progress

    cap = rule.leg_cap
    progress.leg_cap = cap
    for child, leg in card.legs:
        counted = min(leg.gv, cap) if cap is not None else leg.gv
        qualified, explanation = _leg_explanation(child, leg, rule, counted)
        progress.legs.append(
            LegRow(
                partner_id=child.pk,
                slug=child.slug,
                name=child.full_name,
                first_name=child.first_name,
                gv=leg.gv,
                counted=counted,
                capped=counted < leg.gv,
                qualified=qualified,
                explanation=explanation,
                percent_of_need=_percent(counted, rule.min_gv),
            )
        )
        if counted < leg.gv:
            progress.cap_sentences.append(
                cap_sentence(leg_name=child.first_name, counted=counted, gv=leg.gv, rule=rule)
            )
    progress.qualified_legs = sum(1 for _child, leg in card.legs if leg_is_qualified(leg, rule))
    for req in card.requirements:
        progress.requirements.append(
            RequirementRow(
                key=req.key,
                label=_requirement_label(req.key, rule),
                have=req.have,
                need=req.need,
                missing=req.missing,
                percent=req.percent,
                met=req.met,
                is_count=req.key == "legs",
            )
        )
    return progress


def _percent(have: Decimal, need: Decimal) -> int:
    if need <= 0:
        return 100
    return int(min(max(have / need * HUNDRED, ZERO), HUNDRED))
