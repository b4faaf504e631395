"""The bulk variant of placing, paying and refunding orders: imported history.

The orders app is the only writer of orders and customers. An importer hands
`OrderBulkWriter` checked rows; it writes, with COPY on PostgreSQL, exactly the
rows order_place / order_mark_paid / a full order_refund write for a one-line
order paid (and refunded): customer, order, one line "Import", transitions,
refund, refund line and the order events "paid" / "refund:<id>". Its decisions
are the live ones (orders.attribution: attribution_for_assigned,
order_is_own_for, order_binds_customer); only the writes are batched. No
signal is sent per row: the caller books the volume of the events it gets back
(in the same transaction).

    writer = OrderBulkWriter()
    for chunk in chunks:
        written = writer.write(chunk)   # list[ImportedOrder] -> list[WrittenOrder]
        ...                              # book the events
    writer.finish()                      # binds customers (spec 3.4)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db.models import OuterRef, Subquery

from partners.csvio import IdReserver, RowWriter, analyze, keys_in

from .attribution import attribution_for_assigned, order_binds_customer, order_is_own_for
from .models import Customer, Order, OrderEvent, OrderLine, OrderTransition, Refund, RefundLine

IMPORT_LINE_NAME = "Import"
IMPORT_NOTE = "import"
ZERO = Decimal("0")
_PAID, _REFUNDED = Order.Status.PAID.value, Order.Status.REFUNDED.value
_EVENT_PAID, _EVENT_REFUNDED = OrderEvent.Kind.PAID.value, OrderEvent.Kind.REFUNDED.value


@dataclass(frozen=True, slots=True)
class ImportedOrder:
    """One checked order of the history: paid, maybe refunded in full."""

    external_id: str
    email: str  # normalised
    partner_id: int | None
    partner_email: str | None  # the partner's account e-mail
    paid_at: datetime
    refunded_at: datetime | None
    currency: str
    total: Decimal
    qv: Decimal
    cv: Decimal


@dataclass(frozen=True, slots=True)
class WrittenOrder:
    """What the volume booking of an imported order needs."""

    order_id: int
    partner_id: int | None
    own: bool  # the partner's own order (orders.attribution.order_is_own_for)
    qv: Decimal
    cv: Decimal
    paid_at: datetime
    paid_event_id: int
    refunded_at: datetime | None
    refund_event_id: int | None


class OrderBulkWriter:
    """Ids and COPY writers for imported orders; use inside one transaction."""

    def __init__(self):
        self.customer_ids = IdReserver(Customer)
        self.order_ids = IdReserver(Order)
        self.line_ids = IdReserver(OrderLine)
        self.refund_ids = IdReserver(Refund)
        self.event_ids = IdReserver(OrderEvent)
        self.customers = RowWriter(Customer, ("id", "email"))
        self.orders = RowWriter(
            Order,
            (
                "id",
                "number",
                "external_id",
                "customer_id",
                "email",
                "status",
                "currency",
                "subtotal",
                "total",
                "qv",
                "cv",
                "attributed_partner_id",
                "attribution",
                "placed_at",
                "paid_at",
                "refunded_at",
                "payment_reference",
            ),
        )
        self.lines = RowWriter(
            OrderLine,
            (
                "id",
                "order_id",
                "name",
                "unit_price",
                "vat_rate",
                "unit_qv",
                "unit_cv",
                "quantity",
                "refunded_quantity",
            ),
        )
        self.transitions = RowWriter(
            OrderTransition, ("order_id", "from_status", "to_status", "note")
        )
        self.refunds = RowWriter(
            Refund, ("id", "order_id", "amount", "qv", "cv", "is_full", "reason", "refunded_at")
        )
        self.refund_lines = RowWriter(RefundLine, ("refund_id", "order_line_id", "quantity"))
        self.events = RowWriter(
            OrderEvent, ("id", "order_id", "kind", "key", "occurred_at", "refund_id")
        )
        self.chunks = 0
        self.first_order_id: int | None = None
        self.binding: set[int] = set()  # customers the import may bind

    def write(self, rows: list[ImportedOrder]) -> list[WrittenOrder]:
        """Write one chunk of new orders (their external ids are not stored yet)."""
        emails = {row.email for row in rows}
        customers = dict(
            Customer.objects.filter(keys_in(Customer, "email", emails))
            .order_by()
            .values_list("email", "pk")
        )
        new_customers = [
            (self.customer_ids.take(), email) for email in sorted(emails - set(customers))
        ]
        self.customers.write(new_customers)
        customers.update((email, pk) for pk, email in new_customers)

        orders, lines, transitions, refunds, refund_lines, events, written = (
            [],
            [],
            [],
            [],
            [],
            [],
            [],
        )
        for row in rows:
            customer_id = customers[row.email]
            attribution = attribution_for_assigned(
                customer_email=row.email,
                partner_id=row.partner_id,
                partner_email=row.partner_email,
                reason=Order.Attribution.IMPORT.value,
            )
            if order_binds_customer(partner_id=row.partner_id, attribution=attribution):
                self.binding.add(customer_id)
            own = order_is_own_for(
                customer_email=row.email,
                partner_id=row.partner_id,
                partner_email=row.partner_email,
                attribution=attribution,
                attributed_partner_id=row.partner_id,
            )
            order_id = self.order_ids.take()
            if self.first_order_id is None:
                self.first_order_id = order_id
            line_id = self.line_ids.take()
            refunded_at = row.refunded_at
            orders.append(
                (
                    order_id,
                    f"IMP-{order_id}",
                    row.external_id,
                    customer_id,
                    row.email,
                    _REFUNDED if refunded_at else _PAID,
                    row.currency,
                    row.total,
                    row.total,
                    row.qv,
                    row.cv,
                    row.partner_id,
                    attribution,
                    row.paid_at,
                    row.paid_at,
                    refunded_at,
                    IMPORT_NOTE,
                )
            )
            lines.append(
                (
                    line_id,
                    order_id,
                    IMPORT_LINE_NAME,
                    row.total,
                    ZERO,
                    row.qv,
                    row.cv,
                    1,
                    1 if refunded_at else 0,
                )
            )
            transitions.append((order_id, "", _PAID, IMPORT_NOTE))
            paid_event = self.event_ids.take()
            events.append((paid_event, order_id, _EVENT_PAID, "paid", row.paid_at, None))
            refund_event = None
            if refunded_at:
                transitions.append((order_id, _PAID, _REFUNDED, IMPORT_NOTE))
                refund_id = self.refund_ids.take()
                refunds.append(
                    (refund_id, order_id, row.total, row.qv, row.cv, True, IMPORT_NOTE, refunded_at)
                )
                refund_lines.append((refund_id, line_id, 1))
                refund_event = self.event_ids.take()
                events.append(
                    (
                        refund_event,
                        order_id,
                        _EVENT_REFUNDED,
                        f"refund:{refund_id}",
                        refunded_at,
                        refund_id,
                    )
                )
            written.append(
                WrittenOrder(
                    order_id,
                    row.partner_id,
                    own,
                    row.qv,
                    row.cv,
                    row.paid_at,
                    paid_event,
                    refunded_at,
                    refund_event,
                )
            )
        # Parents first, so the foreign keys hold at every statement.
        self.orders.write(orders)
        self.lines.write(lines)
        self.transitions.write(transitions)
        self.refunds.write(refunds)
        self.refund_lines.write(refund_lines)
        self.events.write(events)
        self.chunks += 1
        if self.chunks in (2, 20, 200):  # the tables grow inside this transaction
            analyze(Customer, Order)
        return written

    def finish(self) -> None:
        """Bind the customers (spec 3.4) and refresh the planner's statistics."""
        if self.binding:
            _bind_customers(self.binding, self.first_order_id)
        analyze(Customer, Order, OrderLine, OrderEvent)


def _bind_customers(customer_ids: set[int], first_order_id: int) -> None:
    """A customer not bound yet is bound to the partner of their first
    (earliest paid) binding order of this import. Already bound customers stay
    bound; the imported attribution stands as history."""
    first = (
        Order.objects.filter(
            customer=OuterRef("pk"),
            pk__gte=first_order_id,
            external_id__isnull=False,
            attributed_partner__isnull=False,
        )
        .exclude(attribution=Order.Attribution.SELF)
        .order_by("paid_at", "pk")
    )
    ids = sorted(customer_ids)
    for i in range(0, len(ids), 900):
        Customer.objects.filter(pk__in=ids[i : i + 900], bound_partner__isnull=True).update(
            bound_partner=Subquery(first.values("attributed_partner")[:1]),
            bound_at=Subquery(first.values("placed_at")[:1]),
        )


def orders_ship_bulk(*, order_ids: list[int], changed_by=None) -> int:
    """The bulk variant of services.order_ship, for a warehouse's tracking file:
    the same status rule (services.TRANSITIONS) and the same order_shipped hook
    per order, with the rows locked in one query and written in two. Call inside
    the writer's transaction. Raises ValidationError if an order may not ship."""
    from django.core.exceptions import ValidationError
    from django.utils import timezone
    from django.utils.translation import gettext as _

    from .events import order_shipped
    from .services import TRANSITIONS

    shipped = Order.Status.SHIPPED
    orders = list(Order.objects.select_for_update().filter(pk__in=order_ids).order_by("pk"))
    refused = [o for o in orders if shipped not in TRANSITIONS[o.status]]
    if refused:
        raise ValidationError(
            [
                _("Order %(number)s cannot go from “%(from)s” to “%(to)s”.")
                % {
                    "number": o.number,
                    "from": Order.Status(o.status).label,
                    "to": Order.Status(shipped).label,
                }
                for o in refused
            ]
        )
    now = timezone.now()
    OrderTransition.objects.bulk_create(
        [
            OrderTransition(order=o, from_status=o.status, to_status=shipped, changed_by=changed_by)
            for o in orders
        ]
    )
    Order.objects.filter(pk__in=[o.pk for o in orders]).update(
        status=shipped, shipped_at=now, updated_at=now
    )
    for order in orders:
        order.status, order.shipped_at = shipped, now
        order_shipped.send(sender=Order, order=order)
    return len(orders)
