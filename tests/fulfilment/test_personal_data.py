"""A parcel's tracking number leads to the customer's address at the carrier: it
is in the person's data export, kept (restricted) like the invoice after an
erasure, and replaced by a pseudonym when the retention ends."""

import io
import zipfile
from datetime import date

import pytest
from django.utils import timezone

from fulfilment.models import Shipment
from fulfilment.services import shipment_create
from privacy.models import Restriction
from privacy.services import (
    person_erase,
    person_export,
    retention_end,
    retention_scrub_expired,
)
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_erasure_keeps_tracking_numbers_restricted_then_pseudonymises_them(paid_order):
    order = paid_order(soap_qty=2, cream_qty=1)
    shipment_create(order=order, carrier="dhl", tracking_number="JJD01", items={"SOAP-01": 2})
    shipment_create(order=order, carrier="dhl", tracking_number="JJD02")
    admin = UserFactory(is_staff=True, is_superuser=True)
    person_erase(subject_kind="customer", subject_id=order.customer_id, actor=admin)
    assert set(Shipment.objects.values_list("tracking_number", flat=True)) == {"JJD01", "JJD02"}
    assert Restriction.objects.filter(model_label="fulfilment.Shipment").count() == 2

    end = retention_end(document_date=timezone.localdate(), years=8)
    retention_scrub_expired(today=date(end.year + 1, 1, 1))
    numbers = list(Shipment.objects.values_list("tracking_number", flat=True))
    assert len(set(numbers)) == 2  # still two parcels, unique per carrier
    assert all(n.startswith("geloescht-") and "JJD" not in n for n in numbers)
    assert Shipment.objects.get(order=order, lines__quantity=2).lines.count() == 1


def test_the_customers_data_export_lists_their_parcels(paid_order):
    order = paid_order()
    shipment_create(order=order, carrier="dpd", tracking_number="0150 77")
    archive = zipfile.ZipFile(
        io.BytesIO(person_export(subject_kind="customer", subject_id=order.customer_id))
    )
    assert "0150 77" in archive.read("fulfilment_shipment.json").decode()
    assert "fulfilment_shipmentline.json" in archive.namelist()
