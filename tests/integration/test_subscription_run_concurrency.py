"""The daily subscription run started twice at once (a beat retry, a second
beat) on the real PostgreSQL: every due cycle's order exists exactly once."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection

from orders.models import Order
from payouts.models import OrderDebit
from subscriptions.models import SubscriptionCycle
from subscriptions.payment import mandate_text
from subscriptions.services import subscription_create, subscriptions_run
from tests.factories import ProductFactory

from .test_checkout_concurrency import CUSTOMER, run_at_once

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("worker_drained"),
]


def test_concurrent_runs_create_each_cycle_order_once():
    assert connection.vendor == "postgresql"
    product = ProductFactory(price=Decimal("30.00"), cv=Decimal("25.21"), qv=Decimal("20"))
    for n in range(6):
        subscription_create(
            lines={product.pk: 1},
            customer_data={**CUSTOMER, "email": f"abo{n}@example.org"},
            interval=1,
            first_date=date(2026, 1, 31),
            account_holder="Karla Kundin",
            iban="DE89370400440532013000",
            mandate_text=mandate_text(language="de"),
            language="de",
            today=date(2026, 1, 20),
        )
    results = run_at_once([lambda: subscriptions_run(today=date(2026, 1, 31))] * 4)
    assert not [r for r in results if isinstance(r, Exception)], results
    assert sum(run.orders_created for run in results) == 6
    assert sum(run.failures for run in results) == 0
    assert Order.objects.count() == 6
    assert SubscriptionCycle.objects.count() == 6
    assert OrderDebit.objects.count() == 6
