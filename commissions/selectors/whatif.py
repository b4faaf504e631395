"""The what-if estimate: the partner's commission input of a period read from
the ledger (own CV, legs), and the commission if volume were added.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from django.db.models import Sum

from partners.models import Partner
from qualification.models import PartnerPeriodStats, PartnerTitle, Period, VolumeEntry
from qualification.selectors import partners_with_period_stats
from qualification.whatif import NEW, OWN

from .. import engine
from ..models import EstimateRun, EstimateTeamVolume, Statement, StatementLine


@dataclass(frozen=True)
class LegVolume:
    """A leg as the partner's team commission reads it: its head's status, PV
    and CV (cents), and the CV of the rest by generation as if the head were
    compressed (engine.TeamLeg)."""

    head_id: int
    head_status: str
    head_pv: int
    head_cv: int
    rest_cv: tuple[int, ...]


@dataclass
class PartnerCommissionInput:
    """What one partner's estimate reads in the open period: the partner's own
    figures (engine.PartnerInput without rank and team), the legs, the company
    cap factor of the last estimate run, and the net CV and QV of the orders
    of the partner and the first line (for the CV per PV of additional
    volume)."""

    plan: engine.CommissionPlan
    own: engine.PartnerInput
    legs: dict[int, LegVolume]
    cap_factor: Fraction | None
    group_cv: int
    group_qv: int


def partner_commission_input(*, partner: Partner, period: Period) -> PartnerCommissionInput:
    """Read what partner_commission_estimate needs: the partner's own figures,
    and per leg its head's status, PV and CV (live) and the CV of the rest of
    the leg by generation as the last estimate run counted it
    (EstimateTeamVolume of the head). About ten queries, each over the
    partner and the first line only, whatever the size of the team."""
    from ..services import commission_plan, previous_closed_period

    plan = commission_plan()
    own_pv = (
        PartnerPeriodStats.objects.filter(partner=partner, period=period)
        .values_list("pv", flat=True)
        .first()
    )
    heads = list(
        partners_with_period_stats(Partner.objects.filter(sponsor=partner), period=period)
        .order_by("pk")
        .values_list("pk", "status", "pv")
    )
    head_ids = [pk for pk, _status, _pv in heads]
    cv_of: dict[tuple[int, str], int] = {}
    group_cv = group_qv = 0
    for pid, kind, cv, qv in (
        VolumeEntry.objects.filter(period=period, partner_id__in=[partner.pk, *head_ids])
        .order_by()
        .values("partner_id", "kind")
        .annotate(cv=Sum("cv"), qv=Sum("qv"))
        .values_list("partner_id", "kind", "cv", "qv")
    ):
        cv_of[(pid, kind)] = engine.cents(Decimal(cv))
        group_cv += engine.cents(Decimal(cv))
        group_qv += engine.cents(Decimal(qv))
    rest = {
        pid: tuple(int(c) for c in text.split(",") if c)
        for pid, text in EstimateTeamVolume.objects.filter(
            period=period, partner_id__in=head_ids
        ).values_list("partner_id", "generations")
    }
    customer, own = VolumeEntry.Kind.CUSTOMER, VolumeEntry.Kind.OWN
    legs = {
        pk: LegVolume(
            pk,
            status,
            engine.cents(Decimal(pv)),
            cv_of.get((pk, customer), 0) + cv_of.get((pk, own), 0),
            rest.get(pk, ()),
        )
        for pk, status, pv in heads
    }
    title = PartnerTitle.objects.filter(partner=partner).values_list("level", flat=True).first()
    bonus_paid = set(
        StatementLine.objects.filter(
            statement__partner=partner, kind=StatementLine.Kind.BONUS
        ).values_list("rank_name", flat=True)
    )
    previous = previous_closed_period(period)
    carried_in = (
        Statement.objects.filter(period=previous, partner=partner)
        .values_list("carried_out", flat=True)
        .first()
        if previous is not None
        else None
    )
    run = EstimateRun.objects.filter(period=period).values_list("cap_factor", flat=True).first()
    return PartnerCommissionInput(
        plan=plan,
        own=engine.PartnerInput(
            partner_id=partner.pk,
            status=partner.status,
            pv=engine.cents(own_pv) if own_pv is not None else 0,
            customer_cv=cv_of.get((partner.pk, customer), 0),
            own_cv=cv_of.get((partner.pk, own), 0),
            title_before=title or 0,
            bonus_paid=bonus_paid,
            carried_in=engine.cents(carried_in) if carried_in else 0,
        ),
        legs=legs,
        cap_factor=Fraction(run) if run is not None else None,
        group_cv=group_cv,
        group_qv=group_qv,
    )


@dataclass
class CommissionWhatIf:
    before: Decimal  # the estimate's total now (commission of the period, no carry)
    after: Decimal  # with the additional volume
    cv_per_pv: Decimal  # the CV assumed per additional PV
    extra_cv: Decimal
    cap_factor: Decimal | None  # kept as in the last estimate run

    @property
    def change(self) -> Decimal:
        return self.after - self.before


def cv_per_pv(data: PartnerCommissionInput) -> Decimal:
    """CV per PV of this period's orders of the partner and the first line
    (their CV / their QV), or 1 when there are none yet: what additional
    volume is assumed to bring."""
    if data.group_qv <= 0 or data.group_cv <= 0:
        return Decimal(1)
    return (Decimal(data.group_cv) / Decimal(data.group_qv)).quantize(
        Decimal("0.0001"), rounding=ROUND_HALF_UP
    )


def partner_commission_estimate(
    data: PartnerCommissionInput, *, level: int, target=None, pv: Decimal = Decimal(0)
) -> tuple[engine.Result, int]:
    """The partner's estimate if `pv` more PV came in at `target` (OWN, NEW or a
    leg's head id; see qualification.whatif) and the partner were paid as
    `level`. The volume is a customer order of the partner (OWN), of the leg's
    head (generation 1), or of a new direct partner without a team (NEW),
    with CV = PV x cv_per_pv(data). The other partners' ranks and the company's
    cap factor stay as they are. Returns the result and the extra CV cents."""
    extra_pv = engine.cents(pv)
    extra_cv = engine.cents(
        (pv * cv_per_pv(data)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    )
    plan, own = data.plan, data.own
    legs = []
    for leg in data.legs.values():
        head_pv, head_cv = leg.head_pv, leg.head_cv
        if target == leg.head_id:
            head_pv, head_cv = head_pv + extra_pv, head_cv + extra_cv
        qualified = engine.skip_reason(leg.head_status, head_pv, plan) is None
        legs.append(engine.TeamLeg(head_cv, qualified, leg.rest_cv))
    if target == NEW and extra_cv:
        legs.append(engine.TeamLeg(extra_cv, False, ()))
    mine = (
        own
        if target != OWN
        else replace(own, pv=own.pv + extra_pv, customer_cv=own.customer_cv + extra_cv)
    )
    mine = replace(
        mine,
        paid_as=level,
        team_cv=engine.team_cv_by_generation(legs, plan.max_generation),
    )
    return engine.partner_compute(plan, mine, cap_factor=data.cap_factor), extra_cv


def commission_whatif(
    data: PartnerCommissionInput, *, level_before: int, level_after: int, target, pv: Decimal
) -> CommissionWhatIf:
    """The estimate now and with `pv` more PV at `target`, both from the same
    live figures (so the change is the volume's alone). Nothing is stored."""
    before, _cv = partner_commission_estimate(data, level=level_before)
    after, extra_cv = partner_commission_estimate(data, level=level_after, target=target, pv=pv)
    return CommissionWhatIf(
        before=engine.money(before.total),
        after=engine.money(after.total),
        cv_per_pv=cv_per_pv(data),
        extra_cv=engine.money(extra_cv),
        cap_factor=engine.factor_decimal(data.cap_factor),
    )
