"""Two workers given the same delivery at the same moment send it once
(PostgreSQL only: SQLite serialises writers anyway)."""

import threading
import time

import pytest
from django.db import connection

from webhooks import tasks, transport
from webhooks.models import Attempt, Delivery, EventType
from webhooks.services import webhook_delivery_attempt, webhook_event_record

# Run by .ci/run's integration step against PostgreSQL (SQLite serialises writers).
pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("worker_drained"),
]


def test_two_workers_racing_for_one_delivery_send_it_once(endpoint, receiver, monkeypatch):
    endpoint()
    # Autocommit: on_commit would send at once; here the two workers do.
    monkeypatch.setattr(tasks.deliver_webhook, "delay", lambda delivery_id: None)
    webhook_event_record(event_type=EventType.ORDER_PAID, payload={"order": {"id": 1}})
    delivery_id = Delivery.objects.get().pk
    slow_post = receiver.post

    def post(url, *, body, headers, address=None):
        time.sleep(0.3)  # the answer takes a while; the other worker tries meanwhile
        return slow_post(url, body=body, headers=headers, address=address)

    monkeypatch.setattr(transport, "post", post)
    start = threading.Barrier(2)
    results = []

    def worker():
        try:
            start.wait()
            results.append(webhook_delivery_attempt(delivery_id=delivery_id))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(receiver.requests) == 1
    assert sorted(r is None for r in results) == [False, True]
    assert Attempt.objects.count() == 1
    assert Delivery.objects.get().status == Delivery.Status.SUCCEEDED
