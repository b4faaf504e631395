"""Attempts, retries, idempotency and disabling.

Delivery is at least once: the receiver deduplicates by `webhook-id` (the fake
receiver does, like a real one should). These tests check that a retried task
never sends a delivery that is recorded as delivered, never sends one that another
worker holds, and resends a crashed one with the same webhook id.
"""

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from webhooks import services, transport
from webhooks.models import Attempt, Delivery, Endpoint, EventType
from webhooks.services import RETRY_SCHEDULE, webhook_event_record
from webhooks.tasks import deliver_webhook

pytestmark = pytest.mark.django_db


class WorkerKilled(BaseException):
    """Stands for SIGKILL: nothing after it runs in that worker."""


@pytest.fixture
def record(django_capture_on_commit_callbacks):
    def record(execute=False, event_type=EventType.ORDER_PAID):
        with django_capture_on_commit_callbacks(execute=execute), transaction.atomic():
            return webhook_event_record(event_type=event_type, payload={"order": {"id": 1}})

    return record


def make_due(delivery):
    Delivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())


def test_a_successful_attempt_is_listed_with_code_and_duration(endpoint, receiver, record):
    endpoint()
    record(execute=True)

    delivery = Delivery.objects.get()
    assert delivery.status == Delivery.Status.SUCCEEDED
    assert delivery.attempts == 1
    assert receiver.requests[0]["address"] == "93.184.216.34"  # the address checked
    assert delivery.last_response_status == 200
    attempt = Attempt.objects.get()
    assert attempt.response_status == 200
    assert attempt.duration_ms >= 0
    assert attempt.error == ""


def test_retried_task_after_a_crash_mid_delivery_gives_exactly_one_processed_event(
    endpoint, receiver, record, monkeypatch
):
    endpoint()
    message = record()
    delivery = Delivery.objects.get()
    real_record = services._attempt_record

    # The worker dies after the POST, before it could record the answer.
    def killed(**kwargs):
        raise WorkerKilled

    monkeypatch.setattr(services, "_attempt_record", killed)
    with pytest.raises(WorkerKilled):
        deliver_webhook(delivery.pk)
    monkeypatch.setattr(services, "_attempt_record", real_record)
    assert len(receiver.requests) == 1

    # The broker hands the task to another worker at once: the claim still
    # holds, so nothing is sent twice at the same time.
    assert deliver_webhook(delivery.pk) == "skipped"
    assert len(receiver.requests) == 1

    # Once the dead worker's claim has run out, the retry sends again, with the
    # same webhook id, and the receiver processes the event once.
    Delivery.objects.filter(pk=delivery.pk).update(
        locked_until=timezone.now() - timedelta(seconds=1)
    )
    assert deliver_webhook(delivery.pk) == Delivery.Status.SUCCEEDED
    assert len(receiver.requests) == 2
    assert {r["headers"]["webhook-id"] for r in receiver.requests} == {message.webhook_id}
    assert list(receiver.processed) == [message.webhook_id]

    # Any later duplicate of the task sends nothing.
    assert deliver_webhook(delivery.pk) == "skipped"
    assert len(receiver.requests) == 2
    assert Delivery.objects.get().status == Delivery.Status.SUCCEEDED
    assert Delivery.objects.count() == 1


def test_task_redelivered_after_the_result_was_recorded_sends_nothing(endpoint, receiver, record):
    endpoint()
    record()
    delivery = Delivery.objects.get()

    deliver_webhook(delivery.pk)
    deliver_webhook(delivery.pk)  # acks_late: the broker gave the task out again

    assert len(receiver.requests) == 1
    assert Attempt.objects.count() == 1


def test_failed_attempts_are_retried_on_the_backoff_schedule_then_given_up(
    endpoint, receiver, record
):
    endpoint()
    record()
    delivery = Delivery.objects.get()
    receiver.answers = [500] * 20
    waits = []

    for _attempt in range(len(RETRY_SCHEDULE) + 1):
        make_due(delivery)
        deliver_webhook(delivery.pk)
        delivery.refresh_from_db()
        if delivery.next_attempt_at:
            waits.append(delivery.next_attempt_at - delivery.last_attempt_at)

    assert [round(w.total_seconds()) for w in waits] == [
        round(s.total_seconds()) for s in RETRY_SCHEDULE
    ]
    assert sum(RETRY_SCHEDULE, timedelta()) > timedelta(hours=24)
    assert delivery.status == Delivery.Status.FAILED
    assert delivery.attempts == len(RETRY_SCHEDULE) + 1
    assert delivery.next_attempt_at is None
    make_due(delivery)
    assert deliver_webhook(delivery.pk) == "skipped"


def test_a_retry_is_not_sent_before_it_is_due(endpoint, receiver, record):
    endpoint()
    record()
    receiver.answers = [502]
    delivery = Delivery.objects.get()

    deliver_webhook(delivery.pk)
    assert deliver_webhook(delivery.pk) == "skipped"

    assert len(receiver.requests) == 1
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.PENDING
    assert delivery.last_response_status == 502


def test_connection_errors_are_recorded_and_retried(endpoint, receiver, record):
    endpoint()
    receiver.answers = [transport.TransportError("Connection refused")]
    record(execute=True)

    delivery = Delivery.objects.get()
    assert delivery.status == Delivery.Status.PENDING
    assert delivery.last_response_status is None
    assert "Connection refused" in Attempt.objects.get().error


def test_410_gone_disables_the_endpoint_and_tells_the_admins(
    endpoint, receiver, record, settings, mailoutbox, django_capture_on_commit_callbacks
):
    settings.ADMINS = [("Ops", "ops@example.com")]
    hook = endpoint()
    record()
    record()
    first, second = Delivery.objects.order_by("pk")
    receiver.answers = [410]

    with django_capture_on_commit_callbacks(execute=True):
        deliver_webhook(first.pk)

    hook.refresh_from_db()
    assert not hook.is_active
    assert "410" in hook.disabled_reason
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == Delivery.Status.FAILED
    assert second.status == Delivery.Status.ABANDONED
    assert deliver_webhook(second.pk) == "skipped"
    assert len(receiver.requests) == 1
    assert [m.to for m in mailoutbox] == [["ops@example.com"]]
    assert hook.url in mailoutbox[0].subject
    # New events are not written for a disabled endpoint.
    assert record() is None


def test_an_endpoint_failing_for_a_whole_day_is_disabled(
    endpoint, receiver, record, settings, mailoutbox, django_capture_on_commit_callbacks
):
    settings.ADMINS = [("Ops", "ops@example.com")]
    hook = endpoint()
    Endpoint.objects.filter(pk=hook.pk).update(failing_since=timezone.now() - timedelta(hours=23))
    record()
    receiver.answers = [500, 500]
    delivery = Delivery.objects.get()

    deliver_webhook(delivery.pk)
    hook.refresh_from_db()
    assert hook.is_active  # 23 hours of failures: still trying

    Endpoint.objects.filter(pk=hook.pk).update(failing_since=timezone.now() - timedelta(hours=25))
    make_due(delivery)
    with django_capture_on_commit_callbacks(execute=True):
        deliver_webhook(delivery.pk)

    hook.refresh_from_db()
    assert not hook.is_active
    assert hook.disabled_reason.startswith("Every attempt failed since")
    assert len(mailoutbox) == 1


def test_a_success_ends_the_failing_streak(endpoint, receiver, record):
    hook = endpoint()
    record()
    receiver.answers = [500, 200]
    delivery = Delivery.objects.get()

    deliver_webhook(delivery.pk)
    hook.refresh_from_db()
    assert hook.failing_since is not None

    make_due(delivery)
    deliver_webhook(delivery.pk)
    hook.refresh_from_db()
    assert hook.failing_since is None
    assert hook.is_active


def test_an_endpoint_whose_name_now_resolves_privately_gets_nothing(
    endpoint, receiver, record, fake_dns
):
    endpoint()
    record()
    fake_dns["hooks.example.com"] = ["127.0.0.1"]  # DNS rebinding after the check

    deliver_webhook(Delivery.objects.get().pk)

    assert receiver.requests == []
    attempt = Attempt.objects.get()
    assert attempt.response_status is None
    assert "non-public address" in attempt.error
    assert Delivery.objects.get().status == Delivery.Status.PENDING


def test_without_admins_configured_the_superusers_are_told(
    endpoint,
    receiver,
    record,
    settings,
    mailoutbox,
    django_user_model,
    django_capture_on_commit_callbacks,
):
    settings.ADMINS = []
    django_user_model.objects.create_superuser(email="chef@example.com", password="x" * 12)
    endpoint()
    record()
    receiver.answers = [410]

    with django_capture_on_commit_callbacks(execute=True):
        deliver_webhook(Delivery.objects.get().pk)

    assert [m.to for m in mailoutbox] == [["chef@example.com"]]
    assert "disabled" in mailoutbox[0].subject
