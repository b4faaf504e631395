"""A returned debit of a cycle order: counted; the second pauses the subscription
and the customer is told."""

from datetime import date

from orders.models import Order
from payouts.events import debit_returned
from subscriptions.models import Subscription
from subscriptions.services import subscriptions_run
from tests.factories import OrderFactory


def test_second_returned_debit_pauses_and_tells_the_customer(
    subscribe, mailoutbox, django_capture_on_commit_callbacks
):
    subscription = subscribe(today=date(2026, 1, 31))
    subscriptions_run(today=date(2026, 2, 28))
    first, second = Order.objects.order_by("placed_at", "pk")
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        debit_returned.send(sender=Order, order=first, reason_code="AM04", order_debit=None)
    subscription.refresh_from_db()
    assert (subscription.failure_count, subscription.status) == (1, Subscription.Status.ACTIVE)
    assert mailoutbox == []  # payouts tells of the return itself
    with django_capture_on_commit_callbacks(execute=True):
        debit_returned.send(sender=Order, order=second, reason_code="AC04", order_debit=None)
    subscription.refresh_from_db()
    assert (subscription.failure_count, subscription.status) == (2, Subscription.Status.PAUSED)
    assert "AC04" in subscription.pause_reason
    assert len(mailoutbox) == 1 and "AC04" in mailoutbox[0].body
    assert subscriptions_run(today=date(2026, 3, 31)).orders_created == 0


def test_return_of_an_order_that_is_no_subscriptions_changes_nothing(db):
    order = OrderFactory()
    debit_returned.send(sender=Order, order=order, reason_code="MD06", order_debit=None)
    assert not Subscription.objects.exists()
