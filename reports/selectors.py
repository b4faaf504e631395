"""Reads for the company's reports (commissions.md 7) and the admin home.

Every figure comes from one aggregate query (GROUP BY in the database); only the
percentiles are taken in Python from the per-partner sums.

Definitions:
- Revenue: the gross totals (VAT included) of orders that are paid or shipped,
  by the day they were placed; pending, cancelled and refunded orders are not
  revenue (partial refunds are not subtracted).
- Percentiles: nearest rank. For N values sorted ascending, the p-th percentile
  is the value at position ceil(p / 100 * N) (1-based); it is always an amount
  someone really earned. The median is the usual one (the middle value, or the
  mean of the two middle values).
"""

import math
import statistics
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Count, DecimalField, Q, Sum, Value
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from commissions.models import PeriodCommissionSummary, Statement
from invoices.models import Invoice
from orders.models import Order
from orders.taxes import Treatment, treatment
from orders.validators import COUNTRIES
from partners.models import Partner
from payouts.models import PayoutRun
from qualification.models import PartnerTitle, Period, VolumeEntry
from qualification.periods import company_tz, month_start, next_month
from returns.models import Return, ReturnLine

ZERO = Decimal("0")
REVENUE_STATUSES = (Order.Status.PAID, Order.Status.SHIPPED)
PERCENTILES = (10, 25, 75, 90)

# Attribution reasons by the channel that brought the order.
CHANNELS = {
    "landing": (Order.Attribution.LANDING, Order.Attribution.COOKIE),
    "code": (Order.Attribution.CODE,),
    "bound": (Order.Attribution.BOUND,),
    "own": (Order.Attribution.SELF,),
}


def _money(field_name: str):
    return Coalesce(
        Sum(field_name), Value(ZERO), output_field=DecimalField(max_digits=16, decimal_places=2)
    )


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=company_tz())


# --- admin home -------------------------------------------------------------------


@dataclass
class TodayFigures:
    today: date
    period_start: date
    days_left: int
    orders_today: int
    revenue_today: Decimal
    orders_period: int
    revenue_period: Decimal
    open_prepayments: int
    open_prepayments_total: Decimal
    new_partners_today: int
    new_partners_period: int
    payout_runs_waiting: int
    orders_needing_attention: int
    links: dict = field(default_factory=dict)


def admin_today(*, now: datetime | None = None) -> TodayFigures:
    """The figures on the admin home: today and the open period (calendar month
    in the company's time zone), with links to the lists behind them."""
    now = now or timezone.now()
    today = timezone.localtime(now, company_tz()).date()
    start = month_start(now)
    end = next_month(start)
    day_from, day_to = _day_start(today), _day_start(today + timedelta(days=1))
    period_from, period_to = _day_start(start), _day_start(end)

    in_today = Q(placed_at__gte=day_from, placed_at__lt=day_to)
    paid = Q(status__in=REVENUE_STATUSES)
    orders = Order.objects.filter(placed_at__gte=period_from, placed_at__lt=period_to).aggregate(
        orders_period=Count("pk"),
        orders_today=Count("pk", filter=in_today),
        revenue_period=_money_filtered(paid),
        revenue_today=_money_filtered(paid & in_today),
    )
    prepayments = Order.objects.filter(
        status=Order.Status.PENDING, payment_method=Order.PaymentMethod.PREPAYMENT
    ).aggregate(n=Count("pk"), total=_money("total"))
    partners = Partner.objects.filter(
        joined_at__gte=period_from, joined_at__lt=period_to
    ).aggregate(
        period=Count("pk"),
        today=Count("pk", filter=Q(joined_at__gte=day_from, joined_at__lt=day_to)),
    )
    orders_url = reverse("admin:orders_order_changelist")
    since_today = urlencode({"placed_at__gte": str(day_from)})
    since_start = urlencode({"placed_at__gte": str(period_from)})
    return TodayFigures(
        today=today,
        period_start=start,
        days_left=(end - today).days,
        orders_today=orders["orders_today"],
        revenue_today=orders["revenue_today"],
        orders_period=orders["orders_period"],
        revenue_period=orders["revenue_period"],
        open_prepayments=prepayments["n"],
        open_prepayments_total=prepayments["total"],
        new_partners_today=partners["today"],
        new_partners_period=partners["period"],
        payout_runs_waiting=PayoutRun.objects.filter(status=PayoutRun.Status.PREPARED).count(),
        orders_needing_attention=Order.objects.exclude(late_payment_reference="")
        .filter(late_payment_refunded_at__isnull=True)
        .count(),
        links={
            "orders_today": f"{orders_url}?{since_today}",
            "orders_period": f"{orders_url}?{since_start}",
            "open_prepayments": f"{orders_url}?status__exact=pending&payment_method__exact=prepayment",
            "attention": f"{orders_url}?attention=late_payment",
            "new_partners": f"{reverse('admin:partners_partner_changelist')}?"
            + urlencode({"joined_at__gte": str(period_from)}),
            "payout_runs": f"{reverse('admin:payouts_payoutrun_changelist')}?status__exact=prepared",
        },
    )


def _money_filtered(condition: Q):
    return Coalesce(
        Sum("total", filter=condition),
        Value(ZERO),
        output_field=DecimalField(max_digits=16, decimal_places=2),
    )


# --- period summary ---------------------------------------------------------------


def period_summaries() -> list[dict]:
    """One row per closed period with its commission figures, newest first."""
    rows = []
    paid = dict(
        Statement.objects.filter(total__gt=0)
        .values_list("period_id")
        .annotate(n=Count("pk"))
        .values_list("period_id", "n")
    )
    for s in PeriodCommissionSummary.objects.select_related("period").order_by("-period__start"):
        rows.append(
            {
                "period": s.period,
                "cv_total": s.cv_total,
                "customer": s.customer_commission,
                "team": s.team_commission,
                "bonus": s.advancement_bonus,
                "total": s.total,
                "cap_factor": s.cap_factor,
                "payout_percent": _percent(s.total, s.cv_total),
                "partners_paid": paid.get(s.period_id, 0),
            }
        )
    return rows


def period_by_rank(*, period: Period) -> list[dict]:
    """The period's statements by paid-as rank: partners, partners paid, earnings."""
    return list(
        Statement.objects.filter(period=period)
        .values("paid_as_level", "paid_as_rank_name")
        .annotate(
            partners=Count("pk"),
            partners_paid=Count("pk", filter=Q(total__gt=0)),
            total=_money("total"),
            cv=_money("cv"),
        )
        .order_by("paid_as_level")
    )


def _percent(part: Decimal, whole: Decimal) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.01"))


# --- income disclosure ------------------------------------------------------------


def percentile_nearest_rank(sorted_values: list[Decimal], p: int) -> Decimal | None:
    """The p-th percentile of ascending values by the nearest-rank method."""
    if not sorted_values:
        return None
    rank = max(1, math.ceil(p / 100 * len(sorted_values)))
    return sorted_values[rank - 1]


@dataclass
class IncomeGroup:
    level: int
    title: str
    partners: int
    earning_nothing: int
    median: Decimal | None
    percentiles: dict[int, Decimal | None]
    mean: Decimal | None

    @property
    def share_earning_nothing(self) -> Decimal | None:
        return _percent(Decimal(self.earning_nothing), Decimal(self.partners))


def income_disclosure(*, year: int) -> list[IncomeGroup]:
    """Earnings per calendar year by title rank. Who counts: every partner with a
    statement in a closed period of the year (statements of zero included);
    earnings are the sum of the statements' totals (commissions and bonuses,
    before carry-forward). The first row is everyone together."""
    earnings = (
        Statement.objects.filter(
            period__status=Period.Status.CLOSED,
            period__start__gte=date(year, 1, 1),
            period__start__lt=date(year + 1, 1, 1),
        )
        .values("partner_id")
        .annotate(earned=_money("total"))
        .values_list("partner_id", "earned")
    )
    per_partner = dict(earnings)
    titles = dict(
        (pid, (level, name))
        for pid, level, name in PartnerTitle.objects.filter(
            partner_id__in=list(per_partner)
        ).values_list("partner_id", "level", "name")
    )
    groups: dict[tuple[int, str], list[Decimal]] = {}
    for pid, earned in per_partner.items():
        groups.setdefault(titles.get(pid, (0, "")), []).append(earned)
    result = [_income_group(-1, "", list(per_partner.values()))]
    result += [
        _income_group(level, name, values) for (level, name), values in sorted(groups.items())
    ]
    return result


def _income_group(level: int, title: str, values: list[Decimal]) -> IncomeGroup:
    values = sorted(values)
    n = len(values)
    return IncomeGroup(
        level=level,
        title=title,
        partners=n,
        earning_nothing=sum(1 for v in values if v <= 0),
        median=Decimal(statistics.median(values)).quantize(Decimal("0.01")) if values else None,
        percentiles={p: percentile_nearest_rank(values, p) for p in PERCENTILES},
        mean=(sum(values, ZERO) / n).quantize(Decimal("0.01")) if n else None,
    )


# --- customer share ---------------------------------------------------------------


@dataclass
class CustomerShareRow:
    partner_id: int
    slug: str
    name: str
    customer_cv: Decimal
    own_cv: Decimal

    @property
    def cv(self) -> Decimal:
        return self.customer_cv + self.own_cv

    @property
    def customer_share(self) -> Decimal | None:
        return self.customer_cv / self.cv if self.cv > 0 else None

    @property
    def own_share(self) -> Decimal | None:
        return self.own_cv / self.cv if self.cv > 0 else None


def customer_share(*, period: Period) -> list[CustomerShareRow]:
    """Per partner with CV in the period: customer CV and own CV (from the volume
    ledger, corrections included), highest own share first."""
    rows = (
        VolumeEntry.objects.filter(period=period, partner__isnull=False)
        .values("partner_id", "partner__slug", "partner__first_name", "partner__last_name")
        .annotate(
            customer_cv=_money_sum_kind(VolumeEntry.Kind.CUSTOMER),
            own_cv=_money_sum_kind(VolumeEntry.Kind.OWN),
        )
        .order_by("partner_id")
    )
    result = [
        CustomerShareRow(
            partner_id=r["partner_id"],
            slug=r["partner__slug"],
            name=f"{r['partner__first_name']} {r['partner__last_name']}".strip(),
            customer_cv=r["customer_cv"],
            own_cv=r["own_cv"],
        )
        for r in rows
    ]
    result = [r for r in result if r.cv > 0]
    result.sort(key=lambda r: (-r.own_share, r.slug))
    return result


def _money_sum_kind(kind: str):
    return Coalesce(
        Sum("cv", filter=Q(kind=kind)),
        Value(ZERO),
        output_field=DecimalField(max_digits=16, decimal_places=2),
    )


def own_purchases_dominate(
    rows: list[CustomerShareRow], *, threshold: Decimal | None = None
) -> list[CustomerShareRow]:
    """The partners whose own purchases are more than `threshold` of their CV
    (settings.OWN_PURCHASE_SHARE_ALERT unless given)."""
    if threshold is None:
        threshold = Decimal(str(settings.OWN_PURCHASE_SHARE_ALERT))
    return [r for r in rows if r.own_share is not None and r.own_share > threshold]


# --- revenue by attribution -------------------------------------------------------


def revenue_by_attribution(*, start: date, end: date) -> dict:
    """Revenue of orders placed in [start, end) by attribution reason and by
    channel (landing page, code, bound customer, own order, other)."""
    by_reason = {
        row["attribution"]: row
        for row in Order.objects.filter(
            placed_at__gte=_day_start(start),
            placed_at__lt=_day_start(end),
            status__in=REVENUE_STATUSES,
        )
        .values("attribution")
        .annotate(orders=Count("pk"), revenue=_money("total"))
        .order_by()
    }
    reasons = [
        {
            "reason": value,
            "label": label,
            "orders": by_reason.get(value, {}).get("orders", 0),
            "revenue": by_reason.get(value, {}).get("revenue", ZERO),
        }
        for value, label in Order.Attribution.choices
    ]
    grouped = {value for values in CHANNELS.values() for value in values}
    channels = {
        name: {
            "orders": sum(r["orders"] for r in reasons if r["reason"] in values),
            "revenue": sum((r["revenue"] for r in reasons if r["reason"] in values), ZERO),
        }
        for name, values in CHANNELS.items()
    }
    channels["other"] = {
        "orders": sum(r["orders"] for r in reasons if r["reason"] not in grouped),
        "revenue": sum((r["revenue"] for r in reasons if r["reason"] not in grouped), ZERO),
    }
    total = sum((r["revenue"] for r in reasons), ZERO)
    for row in [*reasons, *channels.values()]:
        row["share"] = _percent(row["revenue"], total)
    return {"reasons": reasons, "channels": channels, "total": total}


# --- returns (a partner with many returned orders is a fraud signal) -------------

RETURN_FLAG_SHARE = Decimal("20")  # % of a partner's orders returned ...
RETURN_FLAG_MIN = 3  # ... and at least this many returned orders


def returns_by_product(*, start: date, end: date) -> list[dict]:
    """Returns opened in [start, end) (closed ones without goods left out), per
    product: returns, units expected back, units received. Most returned first."""
    rows = (
        ReturnLine.objects.filter(
            ret__created_at__gte=_day_start(start), ret__created_at__lt=_day_start(end)
        )
        .exclude(ret__status=Return.Status.CANCELLED)
        .values("order_line__product", "order_line__name")
        .annotate(
            returns=Count("ret", distinct=True),
            units=Sum("quantity"),
            received=Sum("received_quantity"),
        )
        .order_by("-units", "order_line__name")
    )
    return [
        {
            "product_id": row["order_line__product"],
            "name": row["order_line__name"],
            "returns": row["returns"],
            "units": row["units"],
            "received": row["received"],
        }
        for row in rows
    ]


def returns_by_partner(*, start: date, end: date) -> list[dict]:
    """Per partner: orders placed in [start, end) (paid, shipped or refunded),
    how many of them have a return, and the share; flagged from
    RETURN_FLAG_MIN returned orders and RETURN_FLAG_SHARE %. Two grouped queries."""
    window = Q(placed_at__gte=_day_start(start), placed_at__lt=_day_start(end))
    returned = {
        row["order__attributed_partner"]: row["orders"]
        for row in Return.objects.filter(
            order__placed_at__gte=_day_start(start),
            order__placed_at__lt=_day_start(end),
            order__attributed_partner__isnull=False,
        )
        .exclude(status=Return.Status.CANCELLED)
        .values("order__attributed_partner")
        .annotate(orders=Count("order", distinct=True))
        .order_by()
    }
    if not returned:
        return []
    placed = dict(
        Order.objects.filter(
            window,
            attributed_partner__in=returned,
            status__in=(*REVENUE_STATUSES, Order.Status.REFUNDED),
        )
        .values("attributed_partner")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("attributed_partner", "n")
    )
    partners = Partner.objects.in_bulk(list(returned))
    result = []
    for partner_id, count in returned.items():
        orders = placed.get(partner_id, 0)
        share = _percent(Decimal(count), Decimal(orders))
        result.append(
            {
                "partner": partners[partner_id],
                "orders": orders,
                "returned": count,
                "share": share,
                "flag": count >= RETURN_FLAG_MIN
                and share is not None
                and share >= RETURN_FLAG_SHARE,
            }
        )
    result.sort(key=lambda r: (-(r["share"] or 0), -r["returned"], r["partner"].pk))
    return result


# --- The quarterly OSS return (one-stop shop, § 18j UStG) ----------------------


@dataclass
class OssRow:
    country: str
    country_name: str
    rate: Decimal
    net: Decimal = Decimal("0.00")
    vat: Decimal = Decimal("0.00")
    documents: int = 0


def quarter_parse(value: str) -> date:
    """ "2026-Q3" -> date(2026, 7, 1); ValidationError when it is no quarter."""
    text = (value or "").strip().upper()
    year, _sep, quarter = text.partition("-Q")
    if not (year.isdigit() and len(year) == 4 and quarter in ("1", "2", "3", "4")):
        raise ValidationError(_("Please give the quarter as YYYY-Qn, e.g. 2026-Q3."))
    return date(int(year), 3 * int(quarter) - 2, 1)


def quarter_of(day: date) -> date:
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def quarter_next(start: date) -> date:
    return date(start.year + 1, 1, 1) if start.month == 10 else date(start.year, start.month + 3, 1)


def oss_return(*, start: date) -> list[OssRow]:
    """Net and VAT per EU country of destination and rate of the quarter from
    `start`: invoices issued in it to consumers in other EU countries (the
    one-stop shop), less the corrections issued in it (refunds correct the quarter
    they happen in). Amounts from the documents, as the customer got them."""
    end = quarter_next(start)
    rows: dict[tuple[str, Decimal], OssRow] = {}
    documents = Invoice.objects.filter(issue_date__gte=start, issue_date__lt=end).values_list(
        "kind", "buyer", "rates"
    )
    for kind, buyer, rates in documents.iterator(chunk_size=2000):
        country = (buyer or {}).get("country") or ""
        if treatment(country) != Treatment.OSS:
            continue
        sign = -1 if kind == Invoice.Kind.CORRECTION else 1
        for share in rates:
            rate = Decimal(share["rate"])
            row = rows.get((country, rate))
            if row is None:
                name = COUNTRIES.get(country, (country,))[0]
                row = rows[(country, rate)] = OssRow(
                    country=country, country_name=str(name), rate=rate
                )
            row.net += sign * Decimal(share["net"])
            row.vat += sign * Decimal(share["vat"])
            row.documents += 1
    return sorted(rows.values(), key=lambda r: (r.country, r.rate))
