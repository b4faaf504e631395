"""The order's admin page lists its parcels: carrier, tracking link, what each
carries, delivery date, and a link to the parcel's page."""

import pytest

from fulfilment.services import shipment_create

pytestmark = pytest.mark.django_db


def test_the_order_page_lists_its_parcels_with_tracking_link_and_contents(admin_client, paid_order):
    order = paid_order(soap_qty=2, cream_qty=1)
    first = shipment_create(
        order=order, carrier="dhl", tracking_number="JJD0001", items={"SOAP-01": 2}
    )
    shipment_create(order=order, carrier="dpd", tracking_number="0150 1234")
    html = admin_client.get(f"/admin/orders/order/{order.pk}/change/").content.decode()
    assert "piececode=JJD0001" in html
    assert "2 x Seife" in html and "1 x Creme" in html
    assert f"/admin/fulfilment/shipment/{first.pk}/change/" in html
    assert 'name="shipments-0-tracking_number"' not in html  # read only
