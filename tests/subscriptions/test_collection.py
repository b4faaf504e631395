"""A subscription's cycles through payouts' real collection path: the debit is
collected (the order paid, its QV booked), a returned debit refunds it and
counts; the second return pauses the subscription."""

from datetime import date
from decimal import Decimal

from django.utils import timezone

from orders.attribution import Referral
from orders.models import Order
from payouts.models import OrderDebit
from payouts.services import (
    debit_collection_approve,
    debit_collection_prepare,
    debit_collection_submit,
    order_debit_collect,
    order_debit_return,
)
from subscriptions.models import Subscription
from subscriptions.services import subscriptions_run
from tests.factories import PartnerFactory, UserFactory


def _collect(collection_date, today, preparer, approver):
    collection = debit_collection_prepare(
        collection_date=collection_date, actor=preparer, today=today
    )
    collection = debit_collection_approve(collection=collection, actor=approver, today=today)
    return debit_collection_submit(collection=collection, actor=approver)


def test_cycles_are_collected_and_the_second_return_pauses(subscribe):
    anna = PartnerFactory(slug="anna")
    preparer = UserFactory(is_staff=True, is_superuser=True)
    approver = UserFactory(is_staff=True, is_superuser=True)
    subscription = subscribe(
        today=date(2026, 2, 2),
        first_date=date(2026, 2, 2),
        referral=Referral(slug="anna", seen_at=timezone.now()),
    )
    _collect(date(2026, 2, 4), date(2026, 2, 2), preparer, approver)
    first = OrderDebit.objects.get()
    assert first.sequence_type == "FRST" and first.amount == Decimal("54.00")
    assert order_debit_collect(debit=first, collected_on=date(2026, 2, 4))
    order = Order.objects.get()
    assert order.status == Order.Status.PAID and order.attributed_partner == anna

    order_debit_return(debit=first, reason="AM04", returned_on=date(2026, 2, 10))
    subscription.refresh_from_db()
    assert (subscription.failure_count, subscription.status) == (1, Subscription.Status.ACTIVE)

    assert subscriptions_run(today=date(2026, 3, 2)).orders_created == 1
    _collect(date(2026, 3, 4), date(2026, 3, 2), preparer, approver)
    second = OrderDebit.objects.exclude(pk=first.pk).get()
    order_debit_return(debit=second, reason="AC04", returned_on=date(2026, 3, 9))
    subscription.refresh_from_db()
    assert (subscription.failure_count, subscription.status) == (2, Subscription.Status.PAUSED)
    assert subscriptions_run(today=date(2026, 4, 2)).orders_created == 0
