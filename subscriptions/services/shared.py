"""What the writes on subscriptions share: the terms an admin set, the
notice periods, the lock, and the checks of the products and dates a
customer chooses.
"""

from collections.abc import Mapping
from datetime import date, timedelta

from django.conf import settings
from django.utils.translation import gettext as _

from orders.cart import quantity_problem
from orders.models import Product

from ..models import Subscription, SubscriptionTerms

S = Subscription.Status


# How far ahead a customer may put the first or a moved date.
MAX_DAYS_AHEAD = 92


def subscription_terms() -> SubscriptionTerms:
    """The terms an admin set, or the defaults (not saved: a visitor who only
    looks at a product writes nothing)."""
    terms = SubscriptionTerms.objects.order_by("pk").first()
    return terms if terms is not None else SubscriptionTerms()


def prenotification_days() -> int:
    """The pre-notification period, the one the mandate text states."""
    return int(settings.SEPA_PRENOTIFICATION_DAYS)


def price_notice_days() -> int:
    return int(settings.SUBSCRIPTION_PRICE_NOTICE_DAYS)


def _lock(subscription: Subscription) -> Subscription:
    return Subscription.objects.select_for_update().get(pk=subscription.pk)


def _lines_check(lines: Mapping[int, int]) -> tuple[dict[int, Product], dict[str, str]]:
    errors: dict[str, str] = {}
    if not lines:
        return {}, {"lines": _("Please choose at least one product.")}
    # An id no database column can hold is simply no product.
    products = Product.objects.in_bulk([int(pid) for pid in lines if 0 < int(pid) < 2**31])
    for pid, quantity in lines.items():
        product = products.get(int(pid))
        if product is None or not product.is_active:
            errors[f"line_{pid}"] = _("This product is no longer available.")
            continue
        problem = quantity_problem(quantity)
        if problem:
            errors[f"line_{pid}"] = f"{product.name}: {problem}"
    if errors:
        errors["lines"] = _("Please check the marked products.")
    return products, errors


def _date_check(*, value, today: date, field: str) -> dict[str, str]:
    if not isinstance(value, date):
        return {field: _("Please enter a date.")}
    if value < today:
        return {field: _("The date cannot be in the past.")}
    if value > today + timedelta(days=MAX_DAYS_AHEAD):
        return {
            field: _("Please choose a date within the next %(days)d days.")
            % {"days": MAX_DAYS_AHEAD}
        }
    return {}
