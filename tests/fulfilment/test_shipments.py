"""Parcels: an order ships in one or more; it is "shipped" when all its goods are
in parcels; the customer gets the tracking link; the delivery date starts the
withdrawal period."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from fulfilment.carriers import tracking_url
from fulfilment.models import Shipment
from fulfilment.services import shipment_create, shipment_delivered
from orders.models import Order
from returns import period
from returns.models import Withdrawal
from returns.services import withdrawal_declare

pytestmark = pytest.mark.django_db


def item(order, name):
    line = order.lines.get(name=name)
    return line.sku or f"#{line.pk}"


def test_an_order_in_two_parcels_is_shipped_with_the_second(paid_order, committed, mailoutbox):
    order = paid_order()
    with committed():
        first = shipment_create(
            order=order, carrier="dhl", tracking_number="00340434", items={"SOAP-01": 2}
        )
    order.refresh_from_db()
    assert order.status == Order.Status.PAID
    assert "part of your order" in mailoutbox[-1].body
    with committed():
        shipment_create(order=order, carrier="dpd", tracking_number="0150 1234")
    order.refresh_from_db()
    assert order.status == Order.Status.SHIPPED and order.shipped_at is not None
    assert [s.lines.count() for s in Shipment.objects.order_by("pk")] == [1, 1]
    assert first.mail_sent_at is None  # the instance; the row has it:
    assert Shipment.objects.filter(mail_sent_at__isnull=False).count() == 2


def test_the_shipping_mail_links_the_carriers_tracking_page_in_the_customers_language(
    paid_order, committed, mailoutbox
):
    order = paid_order(language="de")
    with committed():
        shipment_create(order=order, carrier="dhl", tracking_number="JJD0001")
    mail = mailoutbox[-1]
    assert mail.to == [order.email]
    assert "ist unterwegs" in mail.subject
    assert (
        "https://www.dhl.de/de/privatkunden/pakete-empfangen/verfolgen.html?piececode=JJD0001"
        in mail.body
    )
    assert "2 x Seife" in mail.body and "1 x Creme" in mail.body


@pytest.mark.parametrize(
    ("carrier", "language", "url"),
    [
        (
            "dhl",
            "en",
            "https://www.dhl.de/en/privatkunden/pakete-empfangen/verfolgen.html?piececode=A%201",
        ),
        ("dpd", "de", "https://tracking.dpd.de/status/de_DE/parcel/A%201"),
        (
            "hermes",
            "de",
            "https://www.myhermes.de/empfangen/sendungsverfolgung/sendungsinformation#A%201",
        ),
        ("gls", "en", "https://gls-group.com/DE/en/paketverfolgung?match=A%201"),
        ("ups", "en", "https://www.ups.com/track?loc=en_DE&tracknum=A%201"),
        ("other", "de", ""),
    ],
)
def test_each_carrier_has_its_tracking_link(carrier, language, url):
    assert tracking_url(carrier=carrier, tracking_number="A 1", language=language) == url


def test_more_than_was_bought_or_an_unpaid_order_is_refused(paid_order, soap):
    order = paid_order()
    with pytest.raises(ValidationError) as exc:
        shipment_create(order=order, carrier="dhl", tracking_number="X1", items={"SOAP-01": 3})
    assert "only 2 still to ship" in exc.value.message_dict["lines"][0]
    with pytest.raises(ValidationError) as exc:
        shipment_create(order=order, carrier="dhl", tracking_number="X1", items={"NOPE": 1})
    assert "is not a line of order" in exc.value.message_dict["lines"][0]
    Order.objects.filter(pk=order.pk).update(status=Order.Status.PENDING)
    with pytest.raises(ValidationError) as exc:
        shipment_create(order=order, carrier="dhl", tracking_number="X1")
    assert "only paid orders" in exc.value.message_dict["order"][0]
    assert not Shipment.objects.exists()


def test_the_same_tracking_number_again_returns_the_first_parcel(paid_order):
    order = paid_order()
    first = shipment_create(order=order, carrier="gls", tracking_number="G1", items={"SOAP-01": 1})
    again = shipment_create(order=order, carrier="gls", tracking_number="G1", items={"SOAP-01": 1})
    assert first.pk == again.pk and Shipment.objects.count() == 1
    other = paid_order()
    with pytest.raises(ValidationError) as exc:
        shipment_create(order=other, carrier="gls", tracking_number="G1")
    assert "belongs to order" in exc.value.message_dict["tracking_number"][0]


def test_the_delivery_date_starts_the_withdrawal_period(paid_order):
    order = paid_order()
    shipped = timezone.localdate() - timedelta(days=20)
    shipment = shipment_create(order=order, carrier="dhl", tracking_number="D1", shipped_on=shipped)
    # Shipped 20 days ago: assumed arrived 17 days ago, the period would be over...
    declared = withdrawal_declare(name="Karla Kundin", email=order.email, reference=order.number)
    assert declared.status == Withdrawal.Status.LATE
    # ...but the carrier delivered it only 10 days ago: the customer is within the period.
    shipment_delivered(shipment=shipment, delivered_on=timezone.localdate() - timedelta(days=10))
    declared = withdrawal_declare(name="Karla Kundin", email=order.email, reference=order.number)
    assert declared.status == Withdrawal.Status.OPEN


def test_several_parcels_start_the_period_with_the_last_one():
    assert period.goods_received_on(
        [(date(2026, 10, 1), date(2026, 10, 2)), (date(2026, 10, 3), None)]
    ) == date(2026, 10, 6)  # the second one, not delivered yet: assumed three days later
    assert period.goods_received_on([]) is None


def test_a_delivery_date_before_shipping_is_refused(paid_order):
    order = paid_order()
    shipment = shipment_create(order=order, carrier="ups", tracking_number="1Z")
    with pytest.raises(ValidationError):
        shipment_delivered(shipment=shipment, delivered_on=shipment.shipped_on - timedelta(days=1))
