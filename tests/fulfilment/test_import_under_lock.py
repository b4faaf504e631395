"""The tracking import checks every parcel again under the orders' lock: a parcel
entered in the admin between the file's check and its write cannot make it
over-ship, and then nothing of the file is written."""

import pytest

from fulfilment.exchange import tracking_rows_import
from fulfilment.models import Shipment
from fulfilment.services import shipment_create
from orders.models import Order
from partners.csvio import CsvImportError

pytestmark = pytest.mark.django_db


def rows(*parcels):
    return [(n, parcel) for n, parcel in enumerate(parcels, start=2)]


def test_a_parcel_entered_in_the_admin_meanwhile_refuses_the_whole_file(paid_order):
    order, other = paid_order(soap_qty=2), paid_order()
    file = rows(
        {"order_number": other.number, "carrier": "dhl", "tracking_number": "F-0"},
        {
            "order_number": order.number,
            "carrier": "dhl",
            "tracking_number": "F-1",
            "lines": "SOAP-01:2",
        },
    )

    def admin_ships_one_soap():
        shipment_create(order=order, carrier="dpd", tracking_number="ADMIN-1", items={"SOAP-01": 1})

    with pytest.raises(CsvImportError) as exc:
        tracking_rows_import(file, source=Shipment.Source.IMPORT, before_write=admin_ships_one_soap)
    assert "“SOAP-01”: only 1 still to ship." in str(exc.value)
    assert list(Shipment.objects.values_list("tracking_number", flat=True)) == ["ADMIN-1"]
    assert Order.objects.get(pk=other.pk).status == Order.Status.PAID  # all or nothing


def test_the_same_parcel_entered_meanwhile_asks_to_import_again(paid_order):
    order = paid_order()
    file = rows({"order_number": order.number, "carrier": "dhl", "tracking_number": "T-1"})

    def admin_enters_it():
        shipment_create(order=order, carrier="dhl", tracking_number="T-1")

    with pytest.raises(CsvImportError) as exc:
        tracking_rows_import(file, source=Shipment.Source.IMPORT, before_write=admin_enters_it)
    assert "this parcel was entered meanwhile; please import the file again." in str(exc.value)
    assert Shipment.objects.count() == 1
    result = tracking_rows_import(file, source=Shipment.Source.IMPORT)
    assert (result.created, result.unchanged) == (0, 1)
