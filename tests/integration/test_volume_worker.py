"""The volume task on a real Celery worker (Redis broker, PostgreSQL): many
orders paid and refunded at once from several threads end up exactly in the
results -- nothing lost, nothing doubled -- and equal a full recompute.

.ci/run starts the worker on the test database (test_<name>) before this runs.
"""

import random
import threading
import time
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import Sum
from django.utils import timezone

from orders.models import Order, OrderEvent
from orders.services import order_mark_paid, order_refund
from partners.models import Partner
from qualification import tasks
from qualification.models import PartnerPeriodStats, PendingVolume, VolumeEntry
from qualification.services import period_for, period_recompute, plan_load
from tests.factories import OrderFactory, PartnerFactory

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("worker_drained"),
]

PLAN = {
    "ranks": [
        {
            "level": 1,
            "name": "Bronze",
            "min_pv": "100",
            "min_gv": "0",
            "max_leg_percent": None,
            "min_qualified_legs": 0,
            "leg_rank": None,
        },
        {
            "level": 2,
            "name": "Silver",
            "min_pv": "100",
            "min_gv": "1000",
            "max_leg_percent": "60",
            "min_qualified_legs": 0,
            "leg_rank": None,
        },
        {
            "level": 3,
            "name": "Gold",
            "min_pv": "150",
            "min_gv": "4000",
            "max_leg_percent": "50",
            "min_qualified_legs": 2,
            "leg_rank": "Silver",
        },
    ]
}


def snapshot(period) -> dict:
    return {
        s.partner_id: (s.pv, s.customer_pv, s.own_pv, s.gv, s.paid_as_level, s.subtree_max_level)
        for s in PartnerPeriodStats.objects.filter(period=period)
        if s.pv or s.customer_pv or s.own_pv or s.gv or s.subtree_max_level
    }


def wait_until_applied(timeout: float = 90) -> float:
    """Seconds until the worker has drained the queue (fails after timeout)."""
    started = time.monotonic()
    while PendingVolume.objects.exists():
        if time.monotonic() - started > timeout:
            pytest.fail(
                f"{PendingVolume.objects.count()} ledger entries still not applied after {timeout} s"
            )
        time.sleep(0.1)
    return time.monotonic() - started


def team(size: int, rng: random.Random) -> list[Partner]:
    """A 40-deep line with bushy branches hanging off it."""
    partners = [PartnerFactory()]
    for i in range(1, size):
        sponsor = partners[i - 1] if i < 40 else rng.choice(partners)
        partners.append(PartnerFactory(sponsor=sponsor))
    return partners


def test_concurrent_orders_on_the_worker_lose_and_double_nothing(settings):
    # Volume is the subject: the invoices (and their e-mails' PDFs, which the worker
    # would draw for minutes after the test) wait for shipping, which never comes here.
    settings.INVOICE_ISSUE_ON = "shipped"
    rng = random.Random(4)
    plan_load(data=PLAN)
    partners = team(80, rng)
    orders = [
        OrderFactory(
            attributed_partner=rng.choice(partners), qv_total=Decimal(rng.randint(1, 40_000)) / 100
        )
        for _ in range(240)
    ]
    orders += [OrderFactory(qv_total=Decimal("33.30"))]  # the company's: booked, counted for nobody
    to_refund = set(rng.sample([o.pk for o in orders], 40))
    errors = []

    def work(chunk):
        try:
            for order in chunk:
                order_mark_paid(order=order)
                if order.pk in to_refund:
                    order_refund(order=Order.objects.get(pk=order.pk))
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(orders[i::8],)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors

    wait_until_applied()
    period = period_for(at=timezone.now())
    live = snapshot(period)

    # nothing doubled: one ledger entry per paid and per refund event
    assert VolumeEntry.objects.count() == OrderEvent.objects.count() == len(orders) + len(to_refund)
    # nothing lost: the partners' PV adds up to the QV of their orders that were not refunded
    kept = (
        Order.objects.exclude(pk__in=to_refund)
        .exclude(attributed_partner=None)
        .aggregate(s=Sum("qv"))["s"]
    )
    assert sum(row[0] for row in live.values()) == kept
    roots = [p for p in partners if p.sponsor_id is None]
    assert sum(live[p.pk][3] for p in roots if p.pk in live) == kept
    # and the incremental results are exactly a full recompute
    period_recompute(period=period)
    assert snapshot(period) == live


def test_a_lost_task_message_is_applied_by_the_sweep(monkeypatch):
    anna = PartnerFactory()
    order = OrderFactory(attributed_partner=anna, qv_total=Decimal("75.00"))

    def broker_down(*args, **kwargs):
        raise ConnectionError("broker unreachable")

    monkeypatch.setattr(tasks.apply_pending_volume, "delay", broker_down)
    order_mark_paid(order=order)  # commits; enqueueing fails after commit and is only logged
    monkeypatch.undo()
    assert PendingVolume.objects.count() == 1
    PendingVolume.objects.update(created_at=timezone.now() - timedelta(minutes=5))

    tasks.sweep_pending_volume.delay()  # what Celery beat sends every minute
    wait_until_applied(timeout=30)

    stats = PartnerPeriodStats.objects.get(partner=anna, period=period_for(at=timezone.now()))
    assert stats.pv == Decimal("75.00")
