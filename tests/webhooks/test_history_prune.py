"""The delivery log keeps WEBHOOK_HISTORY_DAYS of settled events; nothing still
being delivered is ever forgotten."""

from datetime import timedelta

import pytest
from django.utils import timezone

from orders.services import order_mark_paid
from tests.factories import OrderFactory
from webhooks import tasks
from webhooks.models import Attempt, Delivery, Message

pytestmark = pytest.mark.django_db


def paid_event(days_ago: int) -> Message:
    order_mark_paid(order=OrderFactory())
    message = Message.objects.order_by("-pk").first()
    Message.objects.filter(pk=message.pk).update(
        created_at=timezone.now() - timedelta(days=days_ago)
    )
    return message


def test_settled_events_older_than_the_history_go_with_their_deliveries_and_attempts(
    endpoint, receiver, settings
):
    settings.WEBHOOK_HISTORY_DAYS = 90
    endpoint()
    receiver.answers = [200, 500]
    delivered_old = paid_event(days_ago=120)
    failed_old = paid_event(days_ago=100)
    pending_old = paid_event(days_ago=95)
    recent = paid_event(days_ago=10)
    tasks.deliver_webhook(Delivery.objects.get(message=delivered_old).pk)
    tasks.deliver_webhook(Delivery.objects.get(message=failed_old).pk)  # 500: retried later
    Delivery.objects.filter(message=failed_old).update(status=Delivery.Status.FAILED)
    Delivery.objects.filter(message=recent).update(status=Delivery.Status.SUCCEEDED)
    assert Attempt.objects.count() == 2

    assert tasks.webhook_history_prune() == 2

    assert set(Message.objects.values_list("pk", flat=True)) == {pending_old.pk, recent.pk}
    assert not Delivery.objects.filter(message_id__in=[delivered_old.pk, failed_old.pk]).exists()
    assert Attempt.objects.count() == 0
    # Still being delivered, however old: kept until it settles.
    assert Delivery.objects.get(message=pending_old).status == Delivery.Status.PENDING
    assert tasks.webhook_history_prune() == 0


def test_the_prune_runs_daily_from_beat(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["prune-webhook-history"]
    assert entry["task"] == "webhooks.tasks.webhook_history_prune"
