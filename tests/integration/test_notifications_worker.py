"""Notifications on a real Celery worker (Redis broker, PostgreSQL): orders paid
from several threads at once, the paid events' tasks sent twice more, and each
partner has exactly one notification per order, each e-mailed once.

.ci/run starts the worker on the test database before this runs."""

import threading
import time

import pytest
from django.db import connection

from notifications import tasks
from notifications.models import Notification
from orders.models import OrderEvent
from orders.services import order_mark_paid
from tests.factories import OrderFactory, PartnerFactory
from tests.worker import worker_idle

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("worker_drained"),
]


def wait_for(condition, timeout: float = 90) -> None:
    started = time.monotonic()
    while not condition():
        if time.monotonic() - started > timeout:
            pytest.fail(f"not reached after {timeout} s")
        time.sleep(0.2)


def all_sent(count: int):
    def check():
        return Notification.objects.filter(mail=Notification.Mail.SENT).count() == count

    return check


def test_each_paid_order_is_told_once_even_when_its_tasks_run_again():
    partners = [PartnerFactory() for _ in range(5)]
    orders = [OrderFactory(attributed_partner=partners[i % 5]) for i in range(60)]
    errors = []

    def work(chunk):
        try:
            for order in chunk:
                order_mark_paid(order=order)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(orders[i::6],)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    wait_for(all_sent(len(orders)))
    mailed = dict(Notification.objects.values_list("pk", "mailed_at"))

    # The same events again, twice, on the worker (a redelivered message, a retry).
    for event_id in OrderEvent.objects.filter(kind="paid").values_list("pk", flat=True):
        tasks.notify_order_paid.delay(event_id)
        tasks.notify_order_paid.delay(event_id)
    tasks.notification_emails_send.delay(list(mailed))
    wait_for(worker_idle)

    assert Notification.objects.count() == len(orders)
    assert dict(Notification.objects.values_list("pk", "mailed_at")) == mailed
    for partner in partners:
        assert Notification.objects.filter(partner=partner, kind="order_new").count() == 12
