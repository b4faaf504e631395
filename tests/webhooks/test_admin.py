import pytest
from django.contrib.messages import get_messages

from webhooks.models import Delivery, Endpoint, EventType, Message
from webhooks.services import webhook_endpoint_disable, webhook_event_record

pytestmark = pytest.mark.django_db
ENDPOINTS = "/admin/webhooks/endpoint/"
DELIVERIES = "/admin/webhooks/delivery/"


def messages_of(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


def action(admin_client, url, name, objects):
    return admin_client.post(
        url, {"action": name, "_selected_action": [o.pk for o in objects]}, follow=True
    )


def test_admin_creates_an_endpoint_and_sees_its_secret_once(admin_client):
    response = admin_client.post(
        ENDPOINTS + "add/",
        {
            "url": "https://hooks.example.com/mlm",
            "description": "CRM",
            "events": ["order.paid", "payout.paid"],
        },
        follow=True,
    )

    endpoint = Endpoint.objects.get()
    assert endpoint.events == ["order.paid", "payout.paid"]
    assert any(endpoint.secret in m for m in messages_of(response))
    page = admin_client.get(f"{ENDPOINTS}{endpoint.pk}/change/").content.decode()
    assert endpoint.secret not in page
    assert endpoint.secret not in admin_client.get(ENDPOINTS).content.decode()


def test_a_private_endpoint_url_is_a_form_error(admin_client):
    response = admin_client.post(
        ENDPOINTS + "add/", {"url": "https://169.254.169.254/", "events": ["order.paid"]}
    )

    assert response.status_code == 200
    assert "non-public address" in response.content.decode()
    assert Endpoint.objects.count() == 0


def test_rotate_and_ping_actions(
    admin_client, endpoint, receiver, django_capture_on_commit_callbacks
):
    hook = endpoint()
    old = hook.secret

    response = action(admin_client, ENDPOINTS, "rotate_secret", [hook])
    hook.refresh_from_db()
    assert hook.secret != old and hook.previous_secret == old
    assert any(hook.secret in m for m in messages_of(response))

    with django_capture_on_commit_callbacks(execute=True):
        action(admin_client, ENDPOINTS, "send_test_event", [hook])
    assert Message.objects.get().event_type == EventType.PING
    assert len(receiver.requests) == 1


def test_disabled_endpoints_are_flagged_on_the_list_and_can_be_enabled(admin_client, endpoint):
    hook = endpoint()
    webhook_endpoint_disable(endpoint=hook, reason="The receiver answered 410 Gone.")

    response = admin_client.get(ENDPOINTS)
    assert "410 Gone" in response.content.decode()
    assert any("disabled" in m for m in messages_of(response))

    action(admin_client, ENDPOINTS, "enable", [hook])
    hook.refresh_from_db()
    assert hook.is_active and hook.disabled_reason == ""


def test_deliveries_list_filters_and_one_click_replay_keeps_the_webhook_id(
    admin_client, endpoint, receiver, django_capture_on_commit_callbacks
):
    endpoint()
    receiver.answers = [500]
    with django_capture_on_commit_callbacks(execute=True):
        message = webhook_event_record(event_type="order.paid", payload={"order": {"id": 1}})
    delivery = Delivery.objects.get()

    listing = admin_client.get(
        DELIVERIES, {"status__exact": "pending", "last_response_status": "500"}
    )
    assert message.webhook_id in listing.content.decode()
    detail = admin_client.get(f"{DELIVERIES}{delivery.pk}/change/").content.decode()
    assert "500" in detail and "nope" in detail  # the attempt, inline

    with django_capture_on_commit_callbacks(execute=True):
        response = action(admin_client, DELIVERIES, "replay", [delivery])

    assert any("queued again" in m for m in messages_of(response))
    replay = Delivery.objects.exclude(pk=delivery.pk).get()
    assert replay.replay_of == delivery
    assert replay.status == Delivery.Status.SUCCEEDED
    assert receiver.requests[-1]["headers"]["webhook-id"] == message.webhook_id


def test_replay_to_a_disabled_endpoint_is_refused_with_a_message(admin_client, endpoint):
    hook = endpoint()
    webhook_event_record(event_type="order.paid", payload={})
    webhook_endpoint_disable(endpoint=hook, reason="x")
    delivery = Delivery.objects.get()

    response = action(admin_client, DELIVERIES, "replay", [delivery])

    assert any("enable it first" in m for m in messages_of(response))
    assert Delivery.objects.count() == 1
