"""Events are written in the transaction of the change they report."""

import json
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import transaction

from orders.services import order_mark_paid
from qualification.services import period_close, period_for
from qualification.services import periods as qualification_periods
from tests.factories import OrderFactory, PartnerFactory
from webhooks import tasks
from webhooks.models import Delivery, Message
from webhooks.services import webhook_endpoint_disable

pytestmark = pytest.mark.django_db


class Boom(Exception):
    pass


def test_paying_an_order_writes_one_delivery_per_subscribed_active_endpoint(endpoint):
    paid_hook = endpoint(events=["order.paid", "order.refunded"])
    endpoint(url="https://crm.example.net/a", events=["partner.enrolled"])
    disabled = endpoint(url="https://crm.example.net/b", events=["order.paid"])
    webhook_endpoint_disable(endpoint=disabled, reason="test")
    order = OrderFactory()

    order_mark_paid(order=order)

    message = Message.objects.get()
    assert message.event_type == "order.paid"
    assert [(d.endpoint, d.status) for d in Delivery.objects.all()] == [(paid_hook, "pending")]


def test_outbox_rows_roll_back_with_the_transaction_of_the_change(endpoint, receiver):
    endpoint()
    order = OrderFactory()

    with pytest.raises(Boom), transaction.atomic():
        order_mark_paid(order=order)
        assert Message.objects.count() == 1  # written inside the transaction...
        raise Boom

    assert Message.objects.count() == 0  # ...and gone with it
    assert Delivery.objects.count() == 0
    order.refresh_from_db()
    assert order.status == "pending"
    assert receiver.requests == []


def test_nothing_is_sent_before_the_change_commits(
    endpoint, receiver, django_capture_on_commit_callbacks
):
    endpoint()
    order = OrderFactory()

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        order_mark_paid(order=order)
    assert receiver.requests == []

    for callback in callbacks:
        callback()
    assert len(receiver.requests) == 1
    assert json.loads(receiver.requests[0]["body"])["data"]["order"]["number"] == order.number
    assert Delivery.objects.get().status == "succeeded"


def test_without_subscribers_no_event_is_written(endpoint):
    endpoint(events=["partner.enrolled"])
    order_mark_paid(order=OrderFactory())
    assert Message.objects.count() == 0


def test_a_broker_outage_does_not_break_the_change_and_the_sweep_sends_later(
    endpoint, receiver, monkeypatch, django_capture_on_commit_callbacks
):
    endpoint()
    order = OrderFactory()

    def broker_down(*args, **kwargs):
        raise ConnectionError("broker unreachable")

    with monkeypatch.context() as patch:
        patch.setattr(tasks.deliver_webhook, "delay", broker_down)
        with django_capture_on_commit_callbacks(execute=True):
            order_mark_paid(order=order)

    order.refresh_from_db()
    assert order.status == "paid"
    assert receiver.requests == []
    assert Delivery.objects.get().status == "pending"

    assert tasks.sweep_due_webhook_deliveries() == 1

    assert len(receiver.requests) == 1
    assert Delivery.objects.get().status == "succeeded"


def test_partner_enrollment_and_status_change_become_events(
    endpoint, receiver, django_capture_on_commit_callbacks
):
    endpoint(events=["partner.enrolled", "partner.status_changed"])
    from partners.services import partner_set_status

    with django_capture_on_commit_callbacks(execute=True):
        anna = PartnerFactory(slug="anna", first_name="Anna", last_name="Albers")
    with django_capture_on_commit_callbacks(execute=True):
        partner_set_status(partner=anna, status="inactive", reason="test")

    bodies = [json.loads(r["body"]) for r in receiver.requests]
    assert [b["type"] for b in bodies] == ["partner.enrolled", "partner.status_changed"]
    assert bodies[0]["data"]["partner"]["slug"] == "anna"
    assert bodies[1]["data"]["old_status"] == "active"
    assert bodies[1]["data"]["new_status"] == "inactive"
    for request in receiver.requests:
        assert b"Anna" not in request["body"] and b"Albers" not in request["body"]
        assert b"@" not in request["body"]


def test_closing_a_period_sends_period_closed(
    endpoint, receiver, django_capture_on_commit_callbacks
):
    endpoint(events=["period.closed"])
    september = period_for(at=datetime(2025, 9, 10, 12, tzinfo=ZoneInfo("Europe/Berlin")))

    with django_capture_on_commit_callbacks(execute=True):
        period_close(period=september)

    (request,) = receiver.requests
    body = json.loads(request["body"])
    assert body["type"] == "period.closed"
    assert body["data"]["period"]["label"] == "2025-09"
    assert body["data"]["period"]["status"] == "closed"


def test_a_failed_period_close_leaves_no_event(endpoint, receiver, monkeypatch):
    endpoint(events=["period.closed"])
    september = period_for(at=datetime(2025, 9, 10, 12, tzinfo=ZoneInfo("Europe/Berlin")))

    def titles_fail(*args, **kwargs):
        raise Boom

    monkeypatch.setattr(qualification_periods.sql, "titles_raise", titles_fail)
    with pytest.raises(Boom):
        period_close(period=september)

    assert Message.objects.count() == 0
