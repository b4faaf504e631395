"""A cycle's debit the bank returned: counted, and after FAILURES_BEFORE_PAUSE
of them the subscription pauses and the customer is told.
"""

from django.db import transaction
from django.utils.translation import gettext as _

from orders.models import Order

from .. import emails
from ..models import Subscription, SubscriptionCycle
from .changes import subscription_pause
from .shared import S, _lock

# Returned debits after which the subscription pauses (the customer is told).
FAILURES_BEFORE_PAUSE = 2


@transaction.atomic
def subscription_debit_returned(*, order: Order, reason_code: str) -> Subscription | None:
    """A cycle's debit came back (the order is refunded by payouts): count it;
    after the second the subscription pauses and the customer is told. None for an order that is not a subscription's."""
    cycle = SubscriptionCycle.objects.filter(order=order).select_related("subscription").first()
    if cycle is None:
        return None
    subscription = _lock(cycle.subscription)
    subscription.failure_count += 1
    subscription.save(update_fields=["failure_count", "updated_at"])
    paused = False
    if subscription.failure_count >= FAILURES_BEFORE_PAUSE and subscription.status == S.ACTIVE:
        subscription = subscription_pause(
            subscription=subscription,
            reason=_("Direct debit returned twice (%(code)s)") % {"code": reason_code},
            notify=False,
        )
        paused = True
    if paused:
        # payouts tells the customer of every return; the pause is ours to tell.
        emails.on_commit(emails.debit_returned_send, subscription.pk, order.number, reason_code)
    return subscription
