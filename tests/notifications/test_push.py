"""Web Push: only with VAPID keys; each notification pushed at most once to each
of the partner's browsers; a subscription the push service calls gone is dropped.
The boundary (pywebpush.webpush) is replaced: no network in tests."""

import json
from unittest import mock

import pytest
from pywebpush import WebPushException

from notifications import kinds, services
from notifications.models import PushSubscription

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

SUBSCRIPTION = {
    "endpoint": "https://push.example.net/send/abc123",
    "keys": {"p256dh": "BPublicKeyOfTheBrowser", "auth": "authsecret"},
}


@pytest.fixture
def vapid(settings):
    settings.WEBPUSH_VAPID_PUBLIC_KEY = "BPublicServerKey"
    settings.WEBPUSH_VAPID_PRIVATE_KEY = "private-server-key"


def notify(partner, committed, key="partner:1"):
    with committed():
        services.notifications_create(
            kind=kinds.TEAM_NEW, items=[(partner.pk, key, {"name": "Ben B."})]
        )


def test_browser_subscribes_and_gets_each_notification_once(anna, anna_client, vapid, committed):
    response = anna_client.post(
        "/dashboard/notifications/push/subscribe/",
        json.dumps(SUBSCRIPTION),
        content_type="application/json",
    )
    assert response.status_code == 201

    with mock.patch("notifications.push.webpush") as webpush:
        notify(anna, committed)
        notify(anna, committed)  # the same event again
        services.notification_pushes_send(ids=list(anna.notifications.values_list("pk", flat=True)))

    assert webpush.call_count == 1
    sent = webpush.call_args.kwargs
    assert sent["subscription_info"] == SUBSCRIPTION
    assert json.loads(sent["data"])["body"] == "Ben B. ist Ihrem Team beigetreten."
    assert sent["vapid_private_key"] == "private-server-key"


def test_gone_subscription_is_dropped(anna, vapid, committed):
    services.push_subscription_save(
        partner=anna, endpoint=SUBSCRIPTION["endpoint"], p256dh="k", auth="a"
    )
    gone = WebPushException("Gone", response=mock.Mock(status_code=410))

    with mock.patch("notifications.push.webpush", side_effect=gone):
        notify(anna, committed)

    assert not PushSubscription.objects.exists()
    assert anna.notifications.count() == 1  # the list still has it


def test_without_vapid_keys_nothing_is_pushed_and_subscribing_is_off(anna, anna_client, committed):
    PushSubscription.objects.create(
        partner=anna, endpoint="https://push.example.net/x", p256dh="k", auth="a"
    )
    with mock.patch("notifications.push.webpush") as webpush:
        notify(anna, committed)

    assert webpush.call_count == 0
    response = anna_client.post(
        "/dashboard/notifications/push/subscribe/",
        json.dumps(SUBSCRIPTION),
        content_type="application/json",
    )
    assert response.status_code == 404
    assert b"push-box" not in anna_client.get("/dashboard/notifications/settings/").content


def test_bad_subscription_is_refused(anna, anna_client, vapid):
    nul = {**SUBSCRIPTION, "keys": {"p256dh": "a\x00b", "auth": "x" * 10_000}}
    bad = ["nonsense", json.dumps({"endpoint": "http://insecure.example/x"}), "[]", json.dumps(nul)]
    for body in bad:
        response = anna_client.post(
            "/dashboard/notifications/push/subscribe/", body, content_type="application/json"
        )
        assert response.status_code == 400
    assert not PushSubscription.objects.exists()
    assert b"push-box" in anna_client.get("/dashboard/notifications/settings/").content
