"""Reads for the warehouse: what is ready to ship, and when parcels arrived."""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

from django.db.models import Prefetch, QuerySet

from orders.models import Order, OrderLine

from .models import Shipment, ShipmentLine
from .services import item_of, open_quantities, shipped_quantities


def order_parcel_dates(*, order_id: int) -> list[tuple[date, date | None]]:
    """(shipped_on, delivered_on) of each parcel of an order (returns.period)."""
    return list(
        Shipment.objects.filter(order_id=order_id)
        .order_by("pk")
        .values_list("shipped_on", "delivered_on")
    )


def orders_ready_to_ship() -> QuerySet[Order]:
    """Paid orders (oldest first): each has goods still to ship, or it would be shipped."""
    return Order.objects.filter(status=Order.Status.PAID).order_by("paid_at", "pk")


@dataclass(frozen=True)
class LineToShip:
    line_id: int
    item: str  # what the tracking file names it by (fulfilment.services.item_of)
    sku: str
    name: str
    quantity: int  # still to ship


@dataclass(frozen=True)
class OrderToShip:
    order: Order
    lines: list[LineToShip]


EXPORT_CHUNK = 1000


def orders_to_ship(*, orders: QuerySet[Order] | None = None) -> Iterator[OrderToShip]:
    """The ready orders with what is still to ship per line, in chunks (a
    warehouse export of many orders does not load them all at once)."""
    orders = orders if orders is not None else orders_ready_to_ship()
    ids = list(orders.values_list("pk", flat=True))
    for start in range(0, len(ids), EXPORT_CHUNK):
        chunk_ids = ids[start : start + EXPORT_CHUNK]
        chunk = (
            Order.objects.filter(pk__in=chunk_ids)
            .order_by("paid_at", "pk")
            .prefetch_related(Prefetch("lines", queryset=OrderLine.objects.order_by("pk")))
        )
        shipped = shipped_quantities(order_ids=chunk_ids)
        for order in chunk:
            lines = list(order.lines.all())
            still_open = open_quantities(lines=lines, shipped=shipped)
            to_ship = [
                LineToShip(
                    line_id=line.pk,
                    item=item_of(line),
                    sku=line.sku,
                    name=line.name,
                    quantity=still_open[line.pk],
                )
                for line in lines
                if still_open[line.pk]
            ]
            if to_ship:
                yield OrderToShip(order=order, lines=to_ship)


def order_shipments(*, order: Order) -> list[Shipment]:
    return list(
        Shipment.objects.filter(order=order)
        .prefetch_related(
            Prefetch("lines", queryset=ShipmentLine.objects.select_related("order_line"))
        )
        .order_by("shipped_on", "pk")
    )
