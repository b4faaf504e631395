"""Reads on subscriptions: a cycle's order as it would be, the signed link's
subscription, the partner's view (counts, monthly QV, volume still due)."""

import calendar
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db.models import Prefetch, Q
from django.utils.translation import gettext as _

from orders.models import Order, OrderLine
from orders.pricing import money, shipping_for, totals_for
from orders.services import OrderDraft
from orders.taxes import line_priced, shipping_priced
from partners.models import Partner
from partners.services import partner_nearest_active_upline

from . import links, payment
from .dates import company_today, cycle_dates_between
from .models import Subscription, SubscriptionLine
from .pricing import agreed_list_price, subscriber_unit_price

S = Subscription.Status
ZERO = Decimal("0")


def cycle_draft(*, subscription: Subscription, cycle_date: date) -> OrderDraft:
    """The order a cycle becomes, computed and not saved: the lines' list price on
    that date (an announced rise only from its date), the subscriber discount on
    price and CV, the subscription's partner (their nearest active upline if they
    were terminated since). Products no longer sold are left out."""
    lines = []
    home_subtotal = Decimal("0.00")
    for line in subscription.lines.select_related("product"):
        product = line.product
        if not product.is_active:
            continue
        list_price = agreed_list_price(
            unit_price=line.unit_price,
            new_unit_price=line.new_unit_price,
            new_price_from=line.new_price_from,
            on=cycle_date,
        )
        unit = subscriber_unit_price(
            list_price=list_price,
            cv=product.cv,
            qv=product.qv,
            discount_percent=subscription.discount_percent,
        )
        # VAT, price and CV by the country delivered to (orders.taxes).
        price, rate, cv = line_priced(
            gross=unit.price, cv=unit.cv, tax_class=product.tax_class, country=subscription.country
        )
        home_subtotal += money(unit.price * line.quantity)
        lines.append(
            OrderLine(
                product=product,
                name=product.name,
                sku=product.sku or "",
                unit_price=price,
                vat_rate=rate,
                unit_qv=unit.qv,
                unit_cv=cv,
                quantity=line.quantity,
            )
        )
    if not lines:
        raise ValidationError(
            _("Subscription %(number)s has no product that is still sold.")
            % {"number": subscription.number}
        )
    partner = subscription.partner
    if partner is not None and partner.status == Partner.Status.TERMINATED:
        partner = partner_nearest_active_upline(partner=partner)
    data = {
        "email": subscription.email,
        "first_name": subscription.first_name,
        "last_name": subscription.last_name,
        "street": subscription.street,
        "postal_code": subscription.postal_code,
        "city": subscription.city,
        "country": subscription.country,
        "partner_code": "",
    }
    return OrderDraft(
        data=data,
        partner=partner,
        attribution=subscription.attribution if partner else Order.Attribution.NONE,
        lines=lines,
        totals=totals_for(
            [(line.unit_price, line.vat_rate, line.quantity) for line in lines],
            shipping=shipping_priced(shipping_for(home_subtotal), country=subscription.country),
        ),
        qv=sum((line.unit_qv * line.quantity for line in lines), Decimal("0")),
        cv=sum((line.unit_cv * line.quantity for line in lines), Decimal("0")),
        referral_slug="",
        payment_method=payment.payment_method(),
        language=subscription.language,
    )


def subscription_amount_on(*, subscription: Subscription, on: date) -> Decimal:
    """What the debit of the cycle on `on` will be (total incl. shipping)."""
    try:
        return cycle_draft(subscription=subscription, cycle_date=on).totals.total
    except ValidationError:
        return ZERO


def subscription_by_key(key: str) -> Subscription | None:
    """The subscription a signed management link opens, or None."""
    read = links.manage_key_read(key)
    if read is None:
        return None
    number, token = read
    return (
        Subscription.objects.select_related("mandate", "partner")
        .prefetch_related(Prefetch("lines", SubscriptionLine.objects.select_related("product")))
        .filter(number=number, token=token)
        .first()
    )


def _qv_per_cycle(subscription: Subscription) -> Decimal:
    return sum(
        (
            line.product.qv * line.quantity
            for line in subscription.lines.all()
            if line.product.is_active
        ),
        ZERO,
    )


def month_end(day: date) -> date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


@dataclass
class PartnerSubscriptionRow:
    number: str
    customer: str  # first name and initial only
    status: str
    status_label: str
    interval_label: str
    next_date: date | None
    qv_per_cycle: Decimal
    monthly_qv: Decimal


@dataclass
class PartnerSubscriptions:
    active: int = 0
    paused: int = 0
    monthly_qv: Decimal = ZERO
    new_this_period: int = 0
    cancelled_this_period: int = 0
    due_qv: Decimal = ZERO  # still to come from cycles before the period ends
    due_until: date | None = None
    rows: list[PartnerSubscriptionRow] = field(default_factory=list)


def _display_name(subscription: Subscription) -> str:
    first = (subscription.first_name or "").strip()
    initial = (subscription.last_name or "").strip()[:1]
    return f"{first} {initial}." if initial else first or "–"


def partner_subscriptions(
    *, partner: Partner, today: date | None = None, limit: int = 50
) -> PartnerSubscriptions:
    """The partner's customers' subscriptions this month (the open period):
    how many run, their QV per month, new and cancelled this month, and the QV
    of the cycles still due up to the month's last day. Three queries."""
    today = today or company_today()
    start, end = today.replace(day=1), month_end(today)
    subscriptions = list(
        Subscription.objects.filter(partner=partner)
        .filter(~Q(status=S.CANCELLED) | Q(cancelled_at__date__gte=start))
        .prefetch_related(Prefetch("lines", SubscriptionLine.objects.select_related("product")))
        .order_by("next_date", "pk")
    )
    result = PartnerSubscriptions(due_until=end)
    result.new_this_period = Subscription.objects.filter(
        partner=partner, created_at__date__gte=start, created_at__date__lte=end
    ).count()
    for subscription in subscriptions:
        per_cycle = _qv_per_cycle(subscription)
        monthly = (per_cycle / subscription.interval).quantize(Decimal("0.01"))
        if subscription.status == S.CANCELLED:
            result.cancelled_this_period += 1
        elif subscription.status == S.PAUSED:
            result.paused += 1
        else:
            result.active += 1
            result.monthly_qv += monthly
            dates = cycle_dates_between(
                subscription.next_date,
                interval=subscription.interval,
                anchor_day=subscription.anchor_day,
                start=today,
                end=end,
            )
            result.due_qv += per_cycle * len(dates)
        if len(result.rows) < limit:
            result.rows.append(
                PartnerSubscriptionRow(
                    number=subscription.number,
                    customer=_display_name(subscription),
                    status=subscription.status,
                    status_label=subscription.get_status_display(),
                    interval_label=subscription.get_interval_display(),
                    next_date=subscription.next_date if subscription.status == S.ACTIVE else None,
                    qv_per_cycle=per_cycle,
                    monthly_qv=monthly,
                )
            )
    return result


def partner_subscription_volume_due(*, partner: Partner, today: date | None = None) -> Decimal:
    """QV the partner can expect from subscription cycles still due this month
    (what the what-if page adds as expected volume)."""
    return partner_subscriptions(partner=partner, today=today, limit=0).due_qv
