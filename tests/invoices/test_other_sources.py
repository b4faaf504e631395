"""Orders of the intake API are invoiced by the same code as the shop's (a
subscription cycle's: tests/subscriptions/test_invoices.py); an external shop
may invoice its order itself."""

import uuid
from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from invoices.models import Invoice
from orders.models import CompanyApiKey, Order
from orders.services import company_api_key_create
from tests.factories import ProductFactory
from tests.invoices.conftest import embedded_xml, with_document

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def api(db):
    scopes = [CompanyApiKey.Scope.ORDERS_WRITE, CompanyApiKey.Scope.ORDERS_READ]
    _key, raw = company_api_key_create(name="Shopify", source="shopify", scopes=scopes)
    ProductFactory(name="Seife", sku="SOAP-01", price=D("12.50"), qv=D("10"), cv=D("10.50"))
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


def post(client, url, body):
    return client.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()))


def shop_order(api, external_id, **extra):
    body = {
        "external_id": external_id,
        "customer": {
            "email": "karla@example.org",
            "first_name": "Karla",
            "last_name": "Kundin",
            "street": "Lindenweg 5",
            "postal_code": "10115",
            "city": "Berlin",
            "company_name": "Kundin GmbH",
            "vat_id": "DE129273398",
        },
        "lines": [{"sku": "SOAP-01", "quantity": 2, "unit_price": "12.50"}],
        "shipping": "4.90",
        **extra,
    }
    created = post(api, "/api/v1/orders", body)
    assert created.status_code == 201, created.json()
    paid = post(api, f"/api/v1/orders/{external_id}/payments", {"reference": f"pay-{external_id}"})
    assert paid.status_code == 200, paid.json()
    return Order.objects.get(number=created.json()["number"])


def test_an_intake_order_is_invoiced_with_its_business_details_by_default(api):
    order = shop_order(api, "1001")

    invoice = Invoice.objects.get(order=order)
    assert invoice.total == order.total == D("29.90")
    assert invoice.buyer["name"] == "Kundin GmbH" and invoice.buyer["vat_id"] == "DE129273398"
    assert embedded_xml(with_document(invoice).pdf) == bytes(with_document(invoice).xml)
    assert api.get(f"/api/v1/orders/{order.number}").json()["invoiced_by_shop"] is False


def test_a_shop_that_invoices_itself_gets_no_invoice_nor_correction(api):
    order = shop_order(api, "1002", invoiced_by_shop=True)
    assert post(api, "/api/v1/orders/1002/refunds", {"reference": "r-1"}).status_code == 201

    assert order.invoiced_by_shop and not Invoice.objects.filter(order=order).exists()


def test_an_invalid_vat_id_from_a_shop_is_a_clear_400(api):
    body = {
        "external_id": "1003",
        "customer": {"email": "karla@example.org", "vat_id": "DE1"},
        "lines": [{"sku": "SOAP-01", "quantity": 1, "unit_price": "12.50"}],
    }
    answer = post(api, "/api/v1/orders", body)

    assert answer.status_code == 400
    assert "VAT id" in str(answer.json())
