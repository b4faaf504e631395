"""Writes on shipments: a parcel of an order (shipment_create), its delivery date
(shipment_delivered). The decision what a parcel may carry is one pure function,
parcel_check, used by the admin, the tracking import and the API alike; the
import (fulfilment/exchange.py) only batches the writes.

An order becomes "shipped" (orders.services.order_ship, the owner of the status)
when everything still owed is in parcels; the customer gets one e-mail per
parcel with the carrier's tracking link, after commit."""

from collections.abc import Iterable, Mapping
from datetime import date
from functools import partial

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from orders.bulk import orders_ship_bulk
from orders.models import Order, OrderLine
from orders.services import order_ship

from .carriers import Carrier
from .events import shipments_created
from .models import Shipment, ShipmentLine

OS = Order.Status
TRACKING_MAX = 64


def item_of(line: OrderLine) -> str:
    """How a file names an order line: its SKU, or "#<line id>" for a line without one."""
    return line.sku or f"#{line.pk}"


def open_quantities(*, lines: Iterable[OrderLine], shipped: Mapping[int, int]) -> dict[int, int]:
    """Pure: per order line id, what is still to ship (bought, not refunded, not in a parcel)."""
    return {
        line.pk: max(line.quantity - line.refunded_quantity - shipped.get(line.pk, 0), 0)
        for line in lines
    }


def parcel_check(
    *,
    order: Order,
    lines: list[OrderLine],
    shipped: Mapping[int, int],
    items: Mapping[str, int] | None,
    carrier: str,
    tracking_number: str,
    shipped_on: date,
    delivered_on: date | None = None,
) -> tuple[dict[int, int], dict[str, str]]:
    """Pure: what a parcel of `order` carries ({order line id: quantity}) and the
    problems keyed by field ("order", "carrier", "tracking_number", "lines",
    "shipped_on", "delivered_on"). `items` names lines by item_of ({item:
    quantity}); None ships everything still open."""
    errors: dict[str, str] = {}
    if order.status != OS.PAID:
        errors["order"] = _(
            "Order %(number)s is “%(status)s”: only paid orders with goods still to ship ship."
        ) % {"number": order.number, "status": OS(order.status).label}
    if carrier not in Carrier.values:
        errors["carrier"] = _("Unknown carrier “%(carrier)s”; use one of %(known)s.") % {
            "carrier": carrier,
            "known": ", ".join(Carrier.values),
        }
    if not tracking_number or len(tracking_number) > TRACKING_MAX:
        errors["tracking_number"] = _(
            "Please give the tracking number (1 to %(n)d characters)."
        ) % {"n": TRACKING_MAX}
    if shipped_on > timezone.localdate():
        errors["shipped_on"] = _("The shipping date must not be in the future.")
    if delivered_on is not None and (
        delivered_on < shipped_on or delivered_on > timezone.localdate()
    ):
        errors["delivered_on"] = _(
            "The delivery date must lie between the shipping date and today."
        )
    still_open = open_quantities(lines=lines, shipped=shipped)
    quantities: dict[int, int] = {}
    if items is None:
        quantities = {pk: q for pk, q in still_open.items() if q}
    else:
        by_item = {}
        for line in lines:
            by_item.setdefault(item_of(line), line)
        problems = []
        for item, quantity in items.items():
            line = by_item.get(item)
            if line is None:
                problems.append(
                    _("“%(item)s” is not a line of order %(number)s.")
                    % {"item": item, "number": order.number}
                )
            elif not isinstance(quantity, int) or quantity < 1:
                problems.append(_("“%(item)s”: the quantity must be at least 1.") % {"item": item})
            elif quantity > still_open[line.pk] - quantities.get(line.pk, 0):
                problems.append(
                    _("“%(item)s”: only %(left)d still to ship.")
                    % {"item": item, "left": still_open[line.pk] - quantities.get(line.pk, 0)}
                )
            else:
                quantities[line.pk] = quantities.get(line.pk, 0) + quantity
        if problems:
            errors["lines"] = " ".join(problems)
    if not quantities and "lines" not in errors and "order" not in errors:
        errors["lines"] = _("Nothing left to ship on order %(number)s.") % {"number": order.number}
    return quantities, errors


def shipped_quantities(*, order_ids: Iterable[int]) -> dict[int, int]:
    """Per order line id, how many are in parcels already."""
    return dict(
        ShipmentLine.objects.filter(order_line__order_id__in=list(order_ids))
        .values("order_line_id")
        .annotate(n=Sum("quantity"))
        .values_list("order_line_id", "n")
    )


def same_parcel(shipment: Shipment, quantities: Mapping[int, int]) -> bool:
    """The parcel carries exactly these quantities (its lines may be prefetched)."""
    return {line.order_line_id: line.quantity for line in shipment.lines.all()} == dict(quantities)


@transaction.atomic
def shipment_create(
    *,
    order: Order,
    carrier: str,
    tracking_number: str,
    items: Mapping[str, int] | None = None,
    shipped_on: date | None = None,
    delivered_on: date | None = None,
    source: str = Shipment.Source.ADMIN,
    created_by=None,
) -> Shipment:
    """A parcel of a paid order leaves the warehouse. `items` {item: quantity}
    (item_of), or None for everything still open. The same carrier and tracking
    number again returns the first parcel (an import or API call repeated).
    When nothing is left to ship, the order becomes "shipped"."""
    tracking_number = (tracking_number or "").strip()
    carrier = (carrier or "").strip().lower()
    order = Order.objects.select_for_update().get(pk=order.pk)
    existing = (
        Shipment.objects.filter(carrier=carrier, tracking_number=tracking_number)
        .select_related("order")
        .first()
    )
    if existing is not None:
        if existing.order_id != order.pk:
            raise ValidationError(
                {
                    "tracking_number": _(
                        "Tracking number %(tracking)s belongs to order %(number)s already."
                    )
                    % {"tracking": tracking_number, "number": existing.order.number}
                }
            )
        return existing
    lines = list(OrderLine.objects.filter(order=order).order_by("pk"))
    quantities, errors = parcel_check(
        order=order,
        lines=lines,
        shipped=shipped_quantities(order_ids=[order.pk]),
        items=items,
        carrier=carrier,
        tracking_number=tracking_number,
        shipped_on=shipped_on or timezone.localdate(),
        delivered_on=delivered_on,
    )
    if errors:
        raise ValidationError(errors)
    shipment = Shipment.objects.create(
        order=order,
        carrier=carrier,
        tracking_number=tracking_number,
        shipped_on=shipped_on or timezone.localdate(),
        delivered_on=delivered_on,
        source=source,
        created_by=created_by,
    )
    ShipmentLine.objects.bulk_create(
        [
            ShipmentLine(shipment=shipment, order_line_id=pk, quantity=q)
            for pk, q in quantities.items()
        ]
    )
    shipments_written(orders=[order], shipments=[shipment], changed_by=created_by)
    return shipment


def shipments_written(*, orders: list[Order], shipments: list[Shipment], changed_by=None) -> None:
    """After parcels were written (one, or a chunk of an import): announce them,
    mark the orders with nothing left to ship "shipped", and send the e-mails
    after commit. Inside the writer's transaction."""
    shipments_created.send(sender=Shipment, shipments=shipments)
    shipped = shipped_quantities(order_ids=[o.pk for o in orders])
    lines_of: dict[int, list[OrderLine]] = {}
    for line in OrderLine.objects.filter(order__in=orders).order_by("pk"):
        lines_of.setdefault(line.order_id, []).append(line)
    complete = [
        order.pk
        for order in orders
        if order.status == OS.PAID
        and not any(open_quantities(lines=lines_of.get(order.pk, []), shipped=shipped).values())
    ]
    if len(complete) == 1:
        order_ship(order=Order(pk=complete[0]), changed_by=changed_by)
    elif complete:  # a chunk of a tracking file: the bulk variant, same rule and hook
        orders_ship_bulk(order_ids=complete, changed_by=changed_by)
    from .tasks import shipment_mails_enqueue

    transaction.on_commit(partial(shipment_mails_enqueue, [s.pk for s in shipments]), robust=True)


@transaction.atomic
def shipment_delivered(*, shipment: Shipment, delivered_on: date) -> Shipment:
    """The carrier delivered the parcel: the withdrawal period runs from this day
    (returns.period). Setting the same day again changes nothing."""
    shipment = Shipment.objects.select_for_update().get(pk=shipment.pk)
    if delivered_on < shipment.shipped_on or delivered_on > timezone.localdate():
        raise ValidationError(
            {"delivered_on": _("The delivery date must lie between the shipping date and today.")}
        )
    if shipment.delivered_on != delivered_on:
        shipment.delivered_on = delivered_on
        shipment.save(update_fields=["delivered_on", "updated_at"])
    return shipment
