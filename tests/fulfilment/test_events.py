"""Webhooks order.ready_to_ship and shipment.created, without personal data; the
admin enters a parcel; returned goods go back into stock."""

import json

import pytest
from django.contrib.auth.models import Permission

from fulfilment.models import Shipment
from fulfilment.services import shipment_create
from orders.models import Order, Product
from returns.models import Return
from returns.services import return_open, return_receive
from tests.factories import UserFactory
from webhooks.models import Endpoint, Message
from webhooks.services import webhook_endpoint_save

pytestmark = pytest.mark.django_db


@pytest.fixture
def subscribed(db, monkeypatch):
    monkeypatch.setattr(
        "webhooks.addresses.socket.getaddrinfo",
        lambda *a, **k: [(2, 1, 6, "", ("93.184.216.34", 443))],
    )
    webhook_endpoint_save(
        endpoint=Endpoint(
            url="https://hooks.example.com/lager",
            events=["order.ready_to_ship", "shipment.created"],
        )
    )


def test_a_paid_order_is_announced_ready_to_ship_and_each_parcel_as_created(subscribed, paid_order):
    order = paid_order()
    [ready] = Message.objects.filter(event_type="order.ready_to_ship")
    assert ready.payload["order"]["number"] == order.number
    assert {line["sku"] for line in ready.payload["lines"]} == {"SOAP-01", ""}
    shipment_create(order=order, carrier="hermes", tracking_number="H1")
    [created] = Message.objects.filter(event_type="shipment.created")
    assert created.payload["shipment"]["tracking_number"] == "H1"
    assert created.payload["shipment"]["tracking_url"].startswith("https://www.myhermes.de/")
    body = json.dumps([ready.payload, created.payload])
    assert "Karla" not in body and "Lindenweg" not in body and "example.org" not in body


def test_an_admin_enters_a_parcel_by_order_number(client, paid_order):
    order = paid_order()
    user = UserFactory(is_staff=True)
    user.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="fulfilment", codename__in=["add_shipment", "view_shipment"]
        )
    )
    client.force_login(user)
    response = client.post(
        "/admin/fulfilment/shipment/add/",
        {
            "order_number": order.number.lower(),
            "carrier": "dhl",
            "tracking_number": "JJD1",
            "items": "SOAP-01:5",
            "shipped_on": "2026-01-05",
        },
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200
    assert "only 2 still to ship" in response.content.decode()
    response = client.post(
        "/admin/fulfilment/shipment/add/",
        {
            "order_number": order.number,
            "carrier": "dhl",
            "tracking_number": "JJD1",
            "items": "",
            "shipped_on": "2026-01-05",
        },
    )
    assert response.status_code == 302
    assert Shipment.objects.get().created_by == user
    order.refresh_from_db()
    assert order.status == Order.Status.SHIPPED


def test_withdrawn_goods_that_come_back_go_into_stock_defective_ones_do_not(paid_order, soap):
    Product.objects.filter(pk=soap.pk).update(stock=10)
    order = paid_order(soap_qty=3, cream_qty=0)
    shipment_create(order=order, carrier="dhl", tracking_number="R1")
    soap.refresh_from_db()
    assert soap.stock == 7
    line = order.lines.get()
    ret = return_open(order=order, reason=Return.Reason.WITHDRAWAL, quantities={line.pk: 2})
    return_receive(ret=ret)
    soap.refresh_from_db()
    assert soap.stock == 9
    ret = return_open(order=order, reason=Return.Reason.DEFECT, quantities={line.pk: 1})
    return_receive(ret=ret)
    soap.refresh_from_db()
    assert soap.stock == 9


def test_support_sees_parcels_but_does_not_enter_them():
    from django.contrib.auth.models import Group

    support = set(Group.objects.get(name="Support").permissions.values_list("codename", flat=True))
    assert "view_shipment" in support and "add_shipment" not in support
