"""Reads of the partner's sharing tools (tab "Links"): every product's partner
link, the campaigns, and what each campaign and product brought in the last
30 or 90 days (visits, orders, revenue, QV, conversion)."""

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Count, DecimalField, ExpressionWrapper, F, Sum
from django.utils import timezone

from landing.models import Campaign, LinkVisitDay
from landing.selectors import partner_product_path
from orders.models import Order, OrderLine
from orders.selectors import product_list_active
from partners.models import Partner

HUNDRED = Decimal("100")
ZERO = Decimal("0")
STATS_DAYS = (30, 90)


@dataclass
class LinkStatsRow:
    """One campaign's or product's figures over the window."""

    key: str  # campaign name, or product id as text
    label: str
    visits: int = 0
    orders: int = 0
    revenue: Decimal = ZERO
    qv: Decimal = ZERO
    url: str = ""  # the link to share (campaign rows)

    @property
    def conversion(self) -> Decimal | None:
        """Orders per 100 visits; None without visits."""
        if not self.visits:
            return None
        return (Decimal(self.orders) / Decimal(self.visits) * HUNDRED).quantize(Decimal("0.1"))


@dataclass
class LinkStats:
    days: int
    first: dt.date
    last: dt.date
    campaigns: list[LinkStatsRow] = field(default_factory=list)
    products: list[LinkStatsRow] = field(default_factory=list)


def _window(days: int, today: dt.date | None) -> tuple[dt.date, dt.date, dt.datetime, dt.datetime]:
    today = today or timezone.localdate()
    first = today - dt.timedelta(days=days - 1)
    tz = ZoneInfo(settings.TIME_ZONE)
    start = dt.datetime.combine(first, dt.time.min, tzinfo=tz)
    end = dt.datetime.combine(today + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    return first, today, start, end


def link_stats(*, partner: Partner, days: int = 30, today: dt.date | None = None) -> LinkStats:
    """Per campaign and per product, the last `days` days (today included).

    Visits: counted by the visitor request of a campaign link or product page
    (the same way as the landing page's visits). Orders: attributed to the
    partner, placed in the window, not cancelled; a campaign's are those its
    link brought (Order.campaign), a product's those containing it. Revenue:
    the goods as paid (after a code's discount, without shipping); QV: the
    orders' (a campaign) or the product's lines' (a product). Six queries."""
    first, last, start, end = _window(days, today)
    visits = LinkVisitDay.objects.filter(partner=partner, day__gte=first, day__lte=last)
    orders = Order.objects.filter(
        attributed_partner=partner, placed_at__gte=start, placed_at__lt=end
    ).exclude(status=Order.Status.CANCELLED)

    campaign_rows: dict[str, LinkStatsRow] = {
        c.name: LinkStatsRow(key=c.name, label=c.name)
        for c in Campaign.objects.filter(partner=partner).order_by("name")
    }
    for name, n in (
        visits.exclude(campaign="")
        .values("campaign")
        .annotate(n=Sum("visits"))
        .values_list("campaign", "n")
    ):
        campaign_rows.setdefault(name, LinkStatsRow(key=name, label=name)).visits = n or 0
    money = DecimalField(max_digits=14, decimal_places=2)
    for row in (
        orders.exclude(campaign="")
        .values("campaign")
        .annotate(
            n=Count("pk"),
            revenue=Sum(ExpressionWrapper(F("subtotal") - F("discount"), output_field=money)),
            qv=Sum("qv"),
        )
    ):
        target = campaign_rows.setdefault(
            row["campaign"], LinkStatsRow(key=row["campaign"], label=row["campaign"])
        )
        target.orders, target.revenue, target.qv = row["n"], row["revenue"] or ZERO, row["qv"]
    for row in campaign_rows.values():
        row.url = f"/{partner.slug}/c/{row.key}/"

    product_rows: dict[int, LinkStatsRow] = {
        p.pk: LinkStatsRow(key=str(p.pk), label=p.name) for p in product_list_active()
    }
    for pid, n in (
        visits.exclude(product_id=0)
        .values("product_id")
        .annotate(n=Sum("visits"))
        .values_list("product_id", "n")
    ):
        if pid in product_rows:
            product_rows[pid].visits = n or 0
    line_money = ExpressionWrapper(
        F("unit_price") * F("quantity") * (HUNDRED - F("order__discount_percent")) / HUNDRED,
        output_field=money,
    )
    line_qv = ExpressionWrapper(F("unit_qv") * F("quantity"), output_field=money)
    for row in (
        OrderLine.objects.filter(order__in=orders, product_id__in=list(product_rows))
        .values("product_id")
        .annotate(n=Count("order_id", distinct=True), revenue=Sum(line_money), qv=Sum(line_qv))
    ):
        target = product_rows[row["product_id"]]
        target.orders = row["n"]
        target.revenue = (row["revenue"] or ZERO).quantize(Decimal("0.01"))
        target.qv = row["qv"] or ZERO
    return LinkStats(
        days=days,
        first=first,
        last=last,
        campaigns=sorted(campaign_rows.values(), key=lambda r: (-r.orders, -r.visits, r.key)),
        products=list(product_rows.values()),
    )


@dataclass
class ProductLink:
    pk: int
    name: str
    image_url: str
    path: str  # /<slug>/p/<pk>-<name>/


def partner_product_links(*, partner: Partner) -> list[ProductLink]:
    """Every active product with the partner's link to it (one query)."""
    return [
        ProductLink(
            pk=p.pk,
            name=p.name,
            image_url=p.image.url if p.image else "",
            path=partner_product_path(slug=partner.slug, product=p),
        )
        for p in product_list_active()
    ]
