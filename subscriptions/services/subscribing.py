"""Subscribing: the price of one delivery shown before subscribing, and the
subscription created with its mandate (its first order at once when the
first date is today).
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from orders.attribution import (
    Referral,
    attribution_resolve,
    order_binds_customer,
    partner_code_check,
)
from orders.models import Product
from orders.pricing import totals_for
from orders.services import customer_bind, customer_get_or_create
from orders.validators import customer_data_clean

from .. import emails, payment
from ..dates import INTERVALS, company_today
from ..events import subscription_started
from ..models import Subscription, SubscriptionLine
from ..pricing import subscriber_unit_price
from .cycle import subscription_cycle_create
from .shared import _date_check, _lines_check, subscription_terms


@dataclass(frozen=True)
class SubscriptionQuote:
    """What a subscription costs per delivery, shown before subscribing."""

    discount_percent: Decimal
    list_total: Decimal
    subtotal: Decimal
    shipping: Decimal
    total: Decimal
    saving: Decimal
    qv: Decimal


def subscription_quote(*, lines: Mapping[int, int], discount_percent: Decimal | None = None):
    """Price of one delivery of `lines` ({product id: quantity}) for a subscriber."""
    if discount_percent is None:
        discount_percent = subscription_terms().discount_percent
    products = Product.objects.in_bulk([int(pid) for pid in lines if 0 < int(pid) < 2**31])
    priced = []
    list_total = Decimal("0.00")
    qv = Decimal("0")
    for pid, quantity in lines.items():
        product = products.get(int(pid))
        if product is None:
            continue
        unit = subscriber_unit_price(
            list_price=product.price,
            cv=product.cv,
            qv=product.qv,
            discount_percent=discount_percent,
        )
        priced.append((unit.price, product.vat_rate, quantity))
        list_total += product.price * quantity
        qv += unit.qv * quantity
    totals = totals_for(priced)
    return SubscriptionQuote(
        discount_percent=discount_percent,
        list_total=list_total,
        subtotal=totals.subtotal,
        shipping=totals.shipping,
        total=totals.total,
        saving=list_total - totals.subtotal,
        qv=qv,
    )


@transaction.atomic
def subscription_create(
    *,
    lines: Mapping[int, int],
    customer_data: Mapping[str, str],
    interval: int,
    first_date: date,
    account_holder: str,
    iban: str,
    mandate_text: str,
    referral: Referral | None = None,
    user=None,
    language: str = "",
    today: date | None = None,
) -> Subscription:
    """Subscribe: the customer (a guest, known by e-mail), the products, the
    schedule and the SEPA mandate they gave with the text they were shown.
    Raises ValidationError keyed by field; nothing is saved then. A first date
    of today creates the first order at once."""
    today = today or company_today()
    language = (language or settings.LANGUAGE_CODE)[:8]
    errors: dict[str, str | list[str]] = {}
    try:
        data = customer_data_clean(dict(customer_data))
    except ValidationError as exc:
        errors.update(exc.message_dict)
        data = None
    if data is not None:
        try:
            partner_code_check(code=data["partner_code"])
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if interval not in INTERVALS:
        errors["interval"] = _("Please choose every 1, 2 or 3 months.")
    errors.update(_date_check(value=first_date, today=today, field="first_date"))
    products, line_errors = _lines_check(lines)
    errors.update(line_errors)
    if errors:
        raise ValidationError(errors)

    partner, reason = attribution_resolve(
        customer_email=data["email"], user=user, code=data["partner_code"], referral=referral
    )
    customer = customer_get_or_create(
        email=data["email"], first_name=data["first_name"], last_name=data["last_name"]
    )
    mandate = payment.mandate_give(
        customer=customer,
        account_holder=account_holder,
        iban=iban,
        text=mandate_text,
        language=language,
    )
    if order_binds_customer(partner_id=partner.pk if partner else None, attribution=reason):
        customer_bind(customer=customer, partner=partner)
    subscription = Subscription.objects.create(
        customer=customer,
        email=data["email"],
        first_name=data["first_name"],
        last_name=data["last_name"],
        street=data["street"],
        postal_code=data["postal_code"],
        city=data["city"],
        country=data["country"],
        language=language,
        partner=partner,
        attribution=reason,
        interval=interval,
        anchor_day=first_date.day,
        first_date=first_date,
        next_date=first_date,
        # The confirmation states amount and first date: it is the first pre-notification.
        prenotified_for=first_date,
        discount_percent=subscription_terms().discount_percent,
        mandate=mandate,
    )
    SubscriptionLine.objects.bulk_create(
        SubscriptionLine(
            subscription=subscription,
            product=products[int(pid)],
            quantity=quantity,
            unit_price=products[int(pid)].price,
        )
        for pid, quantity in sorted(lines.items(), key=lambda item: int(item[0]))
    )
    subscription_started.send(sender=Subscription, subscription=subscription)
    emails.on_commit(emails.subscription_confirmation_send, subscription.pk)
    if first_date <= today:
        subscription_cycle_create(subscription=subscription, today=today)
    return subscription
