"""What one order of the intake API costs: the answer is written from what was
placed (not read back), the key's "last used" is kept to the minute, and a new
Idempotency-Key is one INSERT without a look-up first (bench/intake.py measures
the speed; these tests keep the work from coming back)."""

import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from orders.models import CompanyApiKey, Order
from orders.services import company_api_key_create
from tests.factories import PartnerFactory, ProductFactory

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def shop(db):
    key, raw = company_api_key_create(
        name="Shopify", source="shopify", scopes=["orders:write", "orders:read"]
    )
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    client.key = key
    return client


@pytest.fixture
def catalogue(db):
    PartnerFactory(slug="anna", first_name="Anna", last_name="Albers")
    ProductFactory(name="Seife", sku="SOAP-01", price=D("12.50"), qv=D("10.00"), cv=D("10.50"))
    ProductFactory(name="Creme", sku="CREAM-02", price=D("7.30"), qv=D("5.25"), cv=D("6.10"))


def body(external_id="1001", **overrides):
    return {
        "external_id": external_id,
        "customer": {
            "email": f"karla-{external_id}@example.org",
            "first_name": "Karla",
            "last_name": "Kundin",
            "street": "Lindenweg 5",
            "postal_code": "10115",
            "city": "Berlin",
        },
        "lines": [
            {"sku": "CREAM-02", "quantity": 3, "unit_price": "7.30"},
            {"sku": "SOAP-01", "quantity": 2, "unit_price": "12.5"},
            {
                "sku": "BOX",
                "name": "Gift box",
                "quantity": 1,
                "unit_price": "5",
                "qv": "0",
                "cv": "0",
                "vat_rate": "7.00",
            },
        ],
        "partner": "anna",
        "shipping": "4.90",
        **overrides,
    }


def place(shop, payload):
    return shop.post(
        "/api/v1/orders", payload, format="json", HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4())
    )


@pytest.mark.parametrize("placed_at", [None, "2026-11-30T17:00:00.123456+01:00"])
def test_the_answer_to_a_new_order_is_what_reading_it_back_shows(shop, catalogue, placed_at):
    payload = body(**({"placed_at": placed_at} if placed_at else {}))
    created = place(shop, payload)
    assert created.status_code == 201, created.json()

    read_back = shop.get(f"/api/v1/orders/{created.json()['number']}")

    assert read_back.status_code == 200
    assert created.json() == read_back.json()
    assert [line["sku"] for line in created.json()["lines"]] == ["CREAM-02", "SOAP-01", "BOX"]
    assert created.json()["attribution"]["partner"] == "anna"


def test_a_new_order_is_written_in_one_transaction_without_reading_it_back(shop, catalogue):
    place(shop, body("warm-up"))
    with CaptureQueriesContext(connection) as queries:
        assert place(shop, body("1002")).status_code == 201
    sql = [q["sql"] for q in queries.captured_queries]
    reads_of_the_order = [s for s in sql if s.startswith('SELECT "orders_order"."id"')]
    assert reads_of_the_order == []
    assert not [s for s in sql if "orders_companyapikey" in s and s.startswith("UPDATE")]
    assert not [s for s in sql if s.startswith('SELECT "orders_idempotencykey"')]
    assert len(sql) <= 22, "\n".join(sql)  # 34 before


def test_the_key_is_marked_used_to_the_minute(shop, catalogue):
    with time_machine.travel(timezone.now(), tick=False) as clock:
        place(shop, body("1"))
        first = CompanyApiKey.objects.get(pk=shop.key.pk).last_used_at
        clock.shift(timedelta(seconds=50))
        place(shop, body("2"))
        assert CompanyApiKey.objects.get(pk=shop.key.pk).last_used_at == first
        clock.shift(timedelta(seconds=20))
        place(shop, body("3"))
        assert CompanyApiKey.objects.get(pk=shop.key.pk).last_used_at == first + timedelta(
            seconds=70
        )
    assert Order.objects.count() == 3
