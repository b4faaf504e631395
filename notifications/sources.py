"""What each event of the other apps tells whom: loads the event's rows by id
and hands (partner id, event key, params) to services.notifications_create.
Called by the tasks (tasks.py) after the event's transaction committed.

Params hold what the sentence needs and nothing more: ids, amounts, rank and
period names, and of a person only a first name and an initial."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from django.conf import settings
from django.utils import timezone

from commissions.models import Statement
from orders.models import Order, OrderEvent, Refund
from partners.models import Partner
from payouts.models import PayoutRunEntry
from qualification.models import PartnerPeriodStats, Period
from qualification.periods import next_month
from qualification.ranks import next_rank
from qualification.selectors import partner_report_card, plan_rules
from qualification.whatif import rank_gap
from subscriptions.models import Subscription

from . import kinds
from .services import notifications_create

LIVE = [Partner.Status.ACTIVE, Partner.Status.INACTIVE]


def short_name(first_name: str, last_name: str) -> str:
    """'Maria', 'Schulz' -> 'Maria S.': all a notice may say about a person."""
    first = (first_name or "").strip()
    initial = (last_name or "").strip()[:1]
    if first and initial:
        return f"{first} {initial.upper()}."
    return first


def order_paid(*, event_id: int) -> None:
    """'New order … from Maria S.' to the partner the order is attributed to
    (not for the partner's own orders)."""
    event = (
        OrderEvent.objects.select_related("order__attributed_partner")
        .filter(pk=event_id, kind=OrderEvent.Kind.PAID)
        .first()
    )
    if event is None:
        return
    order = event.order
    partner = order.attributed_partner
    if partner is None or partner.status not in LIVE or order.attribution == Order.Attribution.SELF:
        return
    params = {
        "number": order.number,
        "customer": short_name(order.first_name, order.last_name),
        "customer_id": order.customer_id,  # found again by an erasure of the customer
        "total": str(order.total),
    }
    notifications_create(
        kind=kinds.ORDER_NEW,
        items=[(partner.pk, f"order:{order.pk}", params)],
        occurred_at=event.occurred_at,
    )


def order_returned(*, refund_id: int) -> None:
    """'Return of order …, -24 PV' to the partner the order is attributed to,
    for each receipt of returned goods (its refund)."""
    refund = Refund.objects.select_related("order__attributed_partner").filter(pk=refund_id).first()
    if refund is None:
        return
    order = refund.order
    partner = order.attributed_partner
    if partner is None or partner.status not in LIVE:
        return
    params = {
        "number": order.number,
        "qv": str(refund.qv),
        "amount": str(refund.amount),
        "customer_id": order.customer_id,  # found again by an erasure of the customer
    }
    notifications_create(
        kind=kinds.ORDER_RETURNED,
        items=[(partner.pk, f"return:{refund.pk}", params)],
        occurred_at=refund.refunded_at,
    )


def partner_enrolled(*, partner_id: int) -> None:
    """'Ben K. joined your team.' to the sponsor."""
    partner = Partner.objects.select_related("sponsor").filter(pk=partner_id).first()
    if partner is None or partner.sponsor is None or partner.sponsor.status not in LIVE:
        return
    params = {
        "name": short_name(partner.first_name, partner.last_name),
        "partner_id": partner.pk,  # found again by an erasure of the new partner
    }
    notifications_create(
        kind=kinds.TEAM_NEW,
        items=[(partner.sponsor_id, f"partner:{partner.pk}", params)],
        occurred_at=partner.joined_at,
    )


def subscription_changed(*, subscription_id: int, change: str, at: str) -> None:
    """'Maria S. started subscription ABO-…' to the subscription's partner; `at`
    (the change's time) makes a pause after a resume a new notice, a retry not."""
    subscription = Subscription.objects.select_related("partner").filter(pk=subscription_id).first()
    if subscription is None or subscription.partner is None:
        return
    if subscription.partner.status not in LIVE:
        return
    params = {
        "number": subscription.number,
        "customer": short_name(subscription.first_name, subscription.last_name),
        "customer_id": subscription.customer_id,
        "change": change,
        "months": subscription.interval,
    }
    notifications_create(
        kind=kinds.SUBSCRIPTION_CHANGED,
        items=[(subscription.partner_id, f"subscription:{subscription.pk}:{change}:{at}", params)],
        occurred_at=datetime.fromisoformat(at),
    )


def title_ranks_raised(*, period_id: int, changes: list) -> None:
    """'You reached Silver in 2026-11.': changes are (partner id, new level, new rank name)."""
    period = Period.objects.get(pk=period_id)
    live = set(
        Partner.objects.filter(pk__in=[c[0] for c in changes], status__in=LIVE).values_list(
            "pk", flat=True
        )
    )
    notifications_create(
        kind=kinds.RANK_REACHED,
        items=(
            (pid, f"{period.label}:{level}", {"rank": name, "period": period.label})
            for pid, level, name in changes
            if pid in live
        ),
    )


def statements_issued(*, period_id: int) -> None:
    """'Your commission statement for 2026-11 is ready: 123,45 €.' to each
    partner whose statement of the closed period has an amount."""
    period = Period.objects.get(pk=period_id)
    rows = (
        Statement.objects.filter(period=period, total__gt=0, partner__status__in=LIVE)
        .order_by("pk")
        .values_list("pk", "partner_id", "total")
    )
    notifications_create(
        kind=kinds.STATEMENT_READY,
        items=(
            (partner_id, f"statement:{pk}", {"period": period.label, "total": str(total)})
            for pk, partner_id, total in rows.iterator(chunk_size=2000)
        ),
    )


def _payout_items(entries, *, returned: bool):
    rows = entries.order_by("pk").values_list(
        "item_id",
        "run_id",
        "gross",
        "return_reason",
        "item__partner_id",
        "item__statement__period__start",
    )
    for item_id, run_id, gross, reason, partner_id, period_start in rows.iterator(chunk_size=2000):
        params = {"amount": str(gross), "period": f"{period_start:%Y-%m}"}
        if returned:
            params["reason"] = reason
        yield partner_id, f"item:{item_id}:run:{run_id}", params


def payout_run_paid(*, run_id: int) -> None:
    entries = PayoutRunEntry.objects.filter(
        run_id=run_id, outcome=PayoutRunEntry.Outcome.PAID, item__partner__status__in=LIVE
    )
    notifications_create(kind=kinds.PAYOUT_PAID, items=_payout_items(entries, returned=False))


def payout_returned(*, entry_id: int) -> None:
    entries = PayoutRunEntry.objects.filter(pk=entry_id, outcome=PayoutRunEntry.Outcome.RETURNED)
    notifications_create(kind=kinds.PAYOUT_RETURNED, items=_payout_items(entries, returned=True))


# ---------------------------------------------------------- close to a rank

RANK_CLOSE_DAYS = 3


def days_left(period: Period, today: date) -> int:
    """Days of the period from today on, today included (3 on the 28th of November)."""
    return (next_month(period.start) - today).days


def rank_close(*, period: Period, today: date | None = None) -> int:
    """'3 days left: 40 PV missing for Silver': in the period's last days, to
    each partner whose next rank needs only volume (no more qualified lines)
    and at most NOTIFICATIONS_RANK_CLOSE_MAX_PV of it; the least PV as the
    "What's missing?" page computes it (qualification.whatif, exact). Once per
    partner and period (the key is the period). Returns the candidates checked."""
    today = today or timezone.localdate()
    left = days_left(period, today)
    if not 0 < left <= RANK_CLOSE_DAYS or not period.is_open:
        return 0
    plan = plan_rules()
    if not plan:
        return 0
    limit = Decimal(settings.NOTIFICATIONS_RANK_CLOSE_MAX_PV)
    top = plan[0].level
    # A cheap first cut in the database: max(min_pv - PV, min_gv - GV) is a
    # lower bound of the exact gap, so nobody left out could have qualified.
    stats = (
        PartnerPeriodStats.objects.filter(
            period=period, paid_as_level__lt=top, partner__status=Partner.Status.ACTIVE
        )
        .select_related("partner")
        .order_by("partner_id")
    )
    checked = 0
    items = []
    for row in stats.iterator(chunk_size=2000):
        rule = next_rank(plan, row.paid_as_level)
        if rule is None:
            continue
        bound = max(rule.min_pv - row.pv, rule.min_gv - row.gv, Decimal(0))
        if bound > limit:
            continue
        checked += 1
        card = partner_report_card(partner=row.partner, period=period)
        if card.rank is None:
            continue
        gap = rank_gap(card.stats.pv, [leg for _child, leg in card.legs], card.rank)
        if gap.legs_missing or not 0 < gap.total <= limit:
            continue
        items.append(
            (
                row.partner_id,
                period.label,
                {"days": left, "pv": str(gap.total), "rank": card.rank.name},
            )
        )
    notifications_create(kind=kinds.RANK_CLOSE, items=items)
    return checked


def rank_close_current(*, today: date | None = None) -> int:
    today = today or timezone.localdate()
    period = Period.objects.filter(start=today.replace(day=1)).first()
    if period is None:
        return 0
    return rank_close(period=period, today=today)
