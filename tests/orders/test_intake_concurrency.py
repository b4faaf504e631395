"""Two deliveries of the same order at the same moment (a shop retrying while
the first request is still running) place it once (PostgreSQL only: SQLite
serialises writers anyway)."""

import threading
import time
from decimal import Decimal

import pytest
from django.db import connection
from rest_framework.test import APIClient

from orders.models import IdempotencyKey, Order
from orders.services import company_api_key_create, intake
from tests.factories import ProductFactory

# Run by .ci/run's integration step against PostgreSQL (SQLite serialises writers).
pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("worker_drained"),
]

BODY = {
    "external_id": "1001",
    "customer": {"email": "karla@example.org"},
    "lines": [{"sku": "SOAP-01", "quantity": 1, "unit_price": "12.50"}],
}


@pytest.mark.parametrize("same_key", [True, False])
def test_two_concurrent_requests_for_one_order_place_it_once(monkeypatch, same_key):
    ProductFactory(sku="SOAP-01", price=Decimal("12.50"), qv=Decimal("10"))
    _key, raw = company_api_key_create(name="Shopify", source="shopify", scopes=["orders:write"])
    slow_create = intake._order_create

    def create(**kwargs):
        time.sleep(0.3)  # the first request is still writing when the second arrives
        return slow_create(**kwargs)

    monkeypatch.setattr(intake, "_order_create", create)
    start = threading.Barrier(2)
    answers = []

    def shop(n):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
        try:
            start.wait()
            key = "same" if same_key else f"key-{n}"
            response = client.post("/api/v1/orders", BODY, format="json", HTTP_IDEMPOTENCY_KEY=key)
            answers.append((response.status_code, response.json()))
        finally:
            connection.close()

    threads = [threading.Thread(target=shop, args=(n,)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert Order.objects.count() == 1
    statuses = sorted(status for status, _body in answers)
    if same_key:
        assert statuses == [201, 201]
        assert answers[0][1] == answers[1][1]
        assert IdempotencyKey.objects.count() == 1
    else:
        assert statuses == [201, 409]
