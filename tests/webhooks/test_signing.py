import json
from datetime import timedelta

import pytest
import standardwebhooks
from django.db import transaction
from django.utils import timezone

from webhooks.models import Delivery, Endpoint, EventType, Message
from webhooks.services import (
    webhook_body,
    webhook_endpoint_rotate_secret,
    webhook_event_record,
    webhook_headers,
)
from webhooks.tasks import deliver_webhook

pytestmark = pytest.mark.django_db


def send_one(endpoint, receiver, django_capture_on_commit_callbacks, payload=None):
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        message = webhook_event_record(
            event_type=EventType.ORDER_PAID, payload=payload or {"order": {"id": 7}}
        )
    return message, receiver.requests[-1]


def test_new_endpoint_gets_a_standard_webhooks_secret(endpoint):
    secret = endpoint().secret
    assert secret.startswith("whsec_")
    standardwebhooks.Webhook(secret)  # a valid base64 key the library accepts


def test_delivered_request_verifies_with_the_standard_webhooks_library(
    endpoint, receiver, django_capture_on_commit_callbacks
):
    hook = endpoint()
    message, request = send_one(hook, receiver, django_capture_on_commit_callbacks)

    data = standardwebhooks.Webhook(hook.secret).verify(request["body"], request["headers"])

    assert data == {
        "type": "order.paid",
        "timestamp": data["timestamp"],
        "data": {"order": {"id": 7}},
    }
    assert request["headers"]["webhook-id"] == message.webhook_id
    assert message.webhook_id.startswith("msg_")
    assert request["headers"]["content-type"] == "application/json"


def test_a_tampered_body_or_another_secret_does_not_verify(
    endpoint, receiver, django_capture_on_commit_callbacks
):
    hook = endpoint()
    _message, request = send_one(hook, receiver, django_capture_on_commit_callbacks)
    tampered = request["body"].replace(b'"id":7', b'"id":8')

    with pytest.raises(standardwebhooks.WebhookVerificationError):
        standardwebhooks.Webhook(hook.secret).verify(tampered, request["headers"])
    other = endpoint(url="https://crm.example.net/in")
    with pytest.raises(standardwebhooks.WebhookVerificationError):
        standardwebhooks.Webhook(other.secret).verify(request["body"], request["headers"])


def test_after_rotation_both_the_new_and_the_old_secret_verify(
    endpoint, receiver, django_capture_on_commit_callbacks
):
    hook = endpoint()
    old_secret = hook.secret
    new_secret = webhook_endpoint_rotate_secret(endpoint=hook)
    assert new_secret != old_secret

    _message, request = send_one(hook, receiver, django_capture_on_commit_callbacks)

    assert len(request["headers"]["webhook-signature"].split(" ")) == 2
    for secret in (new_secret, old_secret):
        standardwebhooks.Webhook(secret).verify(request["body"], request["headers"])


def test_the_old_secret_stops_signing_a_day_after_rotation(endpoint):
    hook = endpoint()
    old_secret = hook.secret
    webhook_endpoint_rotate_secret(endpoint=hook)
    hook = Endpoint.objects.get(pk=hook.pk)
    message = Message.objects.create(webhook_id="msg_test", event_type="order.paid", payload={})
    body = webhook_body(message)

    later = timezone.now() + timedelta(hours=25)
    headers = webhook_headers(endpoint=hook, webhook_id=message.webhook_id, body=body, at=later)

    assert len(headers["webhook-signature"].split(" ")) == 1
    expected = standardwebhooks.Webhook(hook.secret).sign("msg_test", later, body)
    assert headers["webhook-signature"] == expected
    assert expected != standardwebhooks.Webhook(old_secret).sign("msg_test", later, body)


def test_every_attempt_has_the_same_webhook_id_and_body(
    endpoint, receiver, django_capture_on_commit_callbacks
):
    hook = endpoint()
    receiver.answers = [503]
    message, first = send_one(hook, receiver, django_capture_on_commit_callbacks)
    Delivery.objects.update(next_attempt_at=timezone.now())

    deliver_webhook(Delivery.objects.get().pk)

    second = receiver.requests[-1]
    assert len(receiver.requests) == 2
    assert first["headers"]["webhook-id"] == second["headers"]["webhook-id"] == message.webhook_id
    assert first["body"] == second["body"]
    assert json.loads(second["body"])["data"] == {"order": {"id": 7}}
