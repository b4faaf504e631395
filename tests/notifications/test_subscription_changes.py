"""A customer starts, pauses, resumes or cancels a subscription: the partner hears
of each change once, with nothing of the customer but a first name and an initial."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from notifications import tasks
from notifications.models import Notification
from subscriptions.payment import mandate_text
from subscriptions.services import (
    subscription_cancel,
    subscription_create,
    subscription_pause,
    subscription_resume,
)
from tests.factories import ProductFactory

pytestmark = pytest.mark.django_db


def subscribe(anna, committed):
    cream = ProductFactory(name="Creme", price=Decimal("30.00"), qv=Decimal("20"))
    with committed():
        return subscription_create(
            lines={cream.pk: 1},
            customer_data={
                "email": "maria.schulz@example.org",
                "first_name": "Maria",
                "last_name": "Schulz",
                "street": "Rosenweg 12",
                "postal_code": "50667",
                "city": "Köln",
                "country": "DE",
                "partner_code": anna.slug,
            },
            interval=2,
            first_date=timezone.localdate() + timedelta(days=10),
            account_holder="Maria Schulz",
            iban="DE89 3704 0044 0532 0130 00",
            mandate_text=mandate_text(language="de"),
            language="de",
        )


def texts(anna):
    notices = Notification.objects.filter(partner=anna, kind="subscription_changed")
    return [n.text for n in notices.order_by("pk")]


def test_each_change_of_a_customers_subscription_is_told_once(anna, committed, english):
    subscription = subscribe(anna, committed)
    assert subscription.partner == anna
    number = subscription.number
    assert texts(anna) == [f"Maria S. started subscription {number}: every 2 months."]

    with committed():
        subscription_pause(subscription=subscription)
    with committed():
        subscription_resume(subscription=subscription)
    with committed():
        subscription_cancel(subscription=subscription)

    assert texts(anna) == [
        f"Maria S. started subscription {number}: every 2 months.",
        f"Subscription {number} of Maria S. is paused.",
        f"Maria S. resumed subscription {number}.",
        f"Maria S. cancelled subscription {number}.",
    ]
    # Nothing of the customer beyond the first name and the initial.
    assert not any("Schulz" in t or "maria.schulz" in t or "Rosenweg" in t for t in texts(anna))


def test_a_retried_task_tells_nothing_twice(anna, committed, english):
    subscription = subscribe(anna, committed)
    notification = Notification.objects.get(partner=anna, kind="subscription_changed")
    _prefix, pk, change, stamp = notification.key.split(":", 3)
    tasks.notify_subscription_changed(int(pk), change, stamp)

    assert Notification.objects.filter(partner=anna, kind="subscription_changed").count() == 1
    assert subscription.pk == int(pk)


def test_the_partner_can_switch_the_subscription_notices_off(anna, committed, english):
    from notifications.services import preferences_save

    preferences_save(
        partner=anna,
        choices={"subscription_changed": {"in_app": False, "email": False}},
        language="en",
    )
    subscribe(anna, committed)

    assert texts(anna) == []
