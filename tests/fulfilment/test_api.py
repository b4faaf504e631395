"""The fulfilment API with a company key: orders to ship out, parcels back in."""

import pytest
from rest_framework.test import APIClient

from fulfilment.models import Shipment
from orders.models import CompanyApiKey, Order
from orders.services import company_api_key_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def warehouse(db):
    _key, raw = company_api_key_create(
        name="3PL", source="lager", scopes=[CompanyApiKey.Scope.SHIPMENTS]
    )
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


def test_the_warehouse_reads_the_orders_ready_to_ship(warehouse, paid_order):
    order = paid_order()
    response = warehouse.get("/api/v1/shipments/ready")
    assert response.status_code == 200
    [entry] = response.json()["orders"]
    assert entry["order_number"] == order.number
    assert entry["ship_to"]["city"] == "Berlin"
    assert {line["item"]: line["quantity"] for line in entry["lines"]}["SOAP-01"] == 2


def test_the_warehouse_sends_parcels_and_repeating_the_call_changes_nothing(warehouse, paid_order):
    order = paid_order()
    body = {"parcels": [{"order_number": order.number, "carrier": "dhl", "tracking_number": "J1"}]}
    response = warehouse.post("/api/v1/shipments", body, format="json")
    assert response.status_code == 200, response.json()
    assert response.json() == {"created": 1, "unchanged": 0, "delivered": 0, "orders_shipped": 1}
    order.refresh_from_db()
    assert order.status == Order.Status.SHIPPED
    again = warehouse.post("/api/v1/shipments", body, format="json").json()
    assert again["unchanged"] == 1 and Shipment.objects.count() == 1


def test_a_bad_parcel_refuses_the_whole_request_with_its_position(warehouse, paid_order):
    order = paid_order()
    body = {
        "parcels": [
            {"order_number": order.number, "carrier": "dhl", "tracking_number": "J1"},
            {
                "order_number": order.number,
                "carrier": "dpd",
                "tracking_number": "J2",
                "lines": [{"item": "SOAP-01", "quantity": 1}],
            },
        ]
    }
    response = warehouse.post("/api/v1/shipments", body, format="json")
    assert response.status_code == 400
    [problem] = response.json()["problems"]
    assert problem["parcel"] == 2 and problem["field"] == "lines"
    assert not Shipment.objects.exists()


def test_a_key_without_the_shipments_scope_is_refused(paid_order):
    _key, raw = company_api_key_create(
        name="Shop", source="shop", scopes=[CompanyApiKey.Scope.ORDERS_READ]
    )
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert client.get("/api/v1/shipments/ready").status_code == 403
    assert APIClient().get("/api/v1/shipments/ready").status_code == 401
