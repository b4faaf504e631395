"""Hooks of the fulfilment app for the apps above it (webhooks listens).

Both are sent inside the transaction of the change, so a listener writes its
rows atomically with it."""

from django.dispatch import Signal

# sender: Order; order: Order. The order is paid and has goods still to ship.
order_ready_to_ship = Signal()

# sender: Shipment; shipments: list[Shipment] (with their lines written): one
# parcel from the admin, a chunk of parcels from the tracking import or the API.
shipments_created = Signal()
