"""The fulfilment interface for a warehouse or 3PL (docs/file-formats.md,
"Shipments"): the orders ready to ship out (CSV or JSON), the tracking numbers
back in (CSV file or JSON through the API).

The import follows the product's importer rules: all or nothing (every bad row
is listed by line and column, nothing is written then), idempotent (a parcel
whose carrier and tracking number are known already, for the same order and
lines, is left alone; a delivery date may be added to it), a progress bar. The
decision per parcel is fulfilment.services.parcel_check, the one the admin and
the API use; the import batches the writes in one transaction.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _

from orders.models import Order, OrderLine
from partners.csvio import (
    Column,
    CsvSource,
    CsvWriter,
    ErrorList,
    chunked,
    forget_queries,
    progress_bar,
)

from .carriers import carrier_parse
from .models import Shipment, ShipmentLine
from .selectors import OrderToShip, orders_to_ship
from .services import parcel_check, same_parcel, shipments_written, shipped_quantities

# --- Export ---------------------------------------------------------------------

EXPORT_COLUMNS = [
    "order_number",
    "paid_at",
    "first_name",
    "last_name",
    "company_name",
    "street",
    "postal_code",
    "city",
    "country",
    "email",
    "item",
    "sku",
    "name",
    "quantity",
]


def _export_rows(batch: Iterable[OrderToShip]) -> Iterator[list]:
    for entry in batch:
        o = entry.order
        for line in entry.lines:
            yield [
                o.number,
                o.paid_at.isoformat() if o.paid_at else "",
                o.first_name,
                o.last_name,
                o.company_name,
                o.street,
                o.postal_code,
                o.city,
                o.country,
                o.email,
                line.item,
                line.sku,
                line.name,
                line.quantity,
            ]


def shipments_export_csv(fh, *, orders=None) -> int:
    """One row per line still to ship of every ready order; returns the order count."""
    writer = CsvWriter(fh)
    writer.writerow(EXPORT_COLUMNS)
    count = 0
    for entry in orders_to_ship(orders=orders):
        writer.writerows(_export_rows([entry]))
        count += 1
    return count


def order_to_ship_data(entry: OrderToShip) -> dict:
    o = entry.order
    return {
        "order_number": o.number,
        "paid_at": o.paid_at,
        "language": o.language,
        "ship_to": {
            "first_name": o.first_name,
            "last_name": o.last_name,
            "company_name": o.company_name,
            "street": o.street,
            "postal_code": o.postal_code,
            "city": o.city,
            "country": o.country,
            "email": o.email,
        },
        "lines": [
            {"item": line.item, "sku": line.sku, "name": line.name, "quantity": line.quantity}
            for line in entry.lines
        ],
    }


def shipments_export_json(fh, *, orders=None) -> int:
    """{"orders": [...]} written as a stream; returns the order count."""
    fh.write('{"orders": [')
    count = 0
    for entry in orders_to_ship(orders=orders):
        fh.write(
            ("," if count else "")
            + "\n"
            + json.dumps(order_to_ship_data(entry), cls=DjangoJSONEncoder)
        )
        count += 1
    fh.write("\n]}\n")
    return count


# --- Import ---------------------------------------------------------------------

TRACKING_COLUMNS = (
    Column("order_number", required=True),
    Column("carrier", required=True),
    Column("tracking_number", required=True),
    Column("lines"),
    Column("shipped_on"),
    Column("delivered_on"),
)
CHUNK = 1000


@dataclass(frozen=True)
class TrackingImportResult:
    created: int  # parcels written
    unchanged: int  # parcels known already (with the same lines)
    delivered: int  # known parcels that got their delivery date now
    orders_shipped: int  # orders that became "shipped"


@dataclass(frozen=True)
class _Row:
    line: int
    order_number: str
    carrier: str
    tracking_number: str
    items: dict[str, int] | None
    shipped_on: date
    delivered_on: date | None


def parse_items(value) -> dict[str, int] | None:
    """ "SOAP-01:2;#17:1" -> {"SOAP-01": 2, "#17": 1}; empty -> None (everything
    still to ship). A list of {"item": ..., "quantity": ...} (JSON) works too.
    Raises ValueError with the reason."""
    if value in (None, "", []):
        return None
    pairs: list[tuple[str, object]]
    if isinstance(value, list):
        pairs = []
        for entry in value:
            if not isinstance(entry, dict) or "item" not in entry:
                raise ValueError(_("each line needs an item and a quantity."))
            pairs.append((str(entry["item"]).strip(), entry.get("quantity", 1)))
    else:
        pairs = []
        for part in str(value).split(";"):
            part = part.strip()
            if not part:
                continue
            item, sep, qty = part.rpartition(":")
            if not sep or not item.strip():
                raise ValueError(
                    _("write the lines as item:quantity separated by “;”, e.g. SOAP-01:2;#17:1.")
                )
            pairs.append((item.strip(), qty.strip()))
    items: dict[str, int] = {}
    for item, qty in pairs:
        try:
            number = int(qty)
        except (TypeError, ValueError):
            raise ValueError(
                _("“%(item)s”: the quantity must be a whole number.") % {"item": item}
            ) from None
        if number < 1:
            raise ValueError(_("“%(item)s”: the quantity must be at least 1.") % {"item": item})
        items[item] = items.get(item, 0) + number
    return items


def _parse_row(line: int, raw: dict, errors: ErrorList) -> _Row | None:
    ok = True
    carrier = carrier_parse(raw.get("carrier", ""))
    if carrier is None:
        errors.add(
            line,
            "carrier",
            _("unknown carrier “%(carrier)s”; use DHL, DPD, Hermes, GLS, UPS or other.")
            % {"carrier": raw.get("carrier", "")},
        )
        ok = False
    try:
        items = parse_items(raw.get("lines"))
    except ValueError as exc:
        errors.add(line, "lines", str(exc))
        ok = False
        items = None
    dates = {}
    for column in ("shipped_on", "delivered_on"):
        value = (
            (raw.get(column) or "").strip() if isinstance(raw.get(column), str) else raw.get(column)
        )
        if not value:
            dates[column] = None
            continue
        try:
            dates[column] = parse_date(str(value))
        except ValueError:
            dates[column] = None
        if dates[column] is None:
            errors.add(line, column, _("please give the date as YYYY-MM-DD."))
            ok = False
    if not ok:
        return None
    return _Row(
        line=line,
        order_number=str(raw["order_number"]).strip().upper(),
        carrier=carrier,
        tracking_number=str(raw["tracking_number"]).strip(),
        items=items,
        shipped_on=dates["shipped_on"] or timezone.localdate(),
        delivered_on=dates["delivered_on"],
    )


@dataclass
class _Checked:
    new: list[tuple[_Row, Order, dict[int, int]]]
    delivered: list[tuple[Shipment, date]]
    unchanged: int


def _check_chunk(rows: list[_Row], errors: ErrorList, seen: dict, taken: dict) -> _Checked:
    """Check a chunk of rows against the database and against the rows before it
    (`seen`: tracking -> line; `taken`: order line id -> quantity in earlier rows)."""
    result = _Checked(new=[], delivered=[], unchanged=0)
    numbers = {row.order_number for row in rows}
    # Only what the checks and the writes need: the parcels of a large file keep
    # their order until the write.
    orders = {
        o.number: o for o in Order.objects.filter(number__in=numbers).only("pk", "number", "status")
    }
    lines_of: dict[int, list[OrderLine]] = {}
    for line in OrderLine.objects.filter(order__in=orders.values()).order_by("pk"):
        lines_of.setdefault(line.order_id, []).append(line)
    shipped = shipped_quantities(order_ids=[o.pk for o in orders.values()])
    known = {
        (s.carrier, s.tracking_number): s
        for s in Shipment.objects.filter(tracking_number__in={row.tracking_number for row in rows})
        .select_related("order")
        .prefetch_related("lines")
    }
    for row in rows:
        key = (row.carrier, row.tracking_number)
        if key in seen:
            errors.add(
                row.line,
                "tracking_number",
                _("this parcel appears twice in the file (first on line %(first)d).")
                % {"first": seen[key]},
            )
            continue
        seen[key] = row.line
        order = orders.get(row.order_number)
        if order is None:
            errors.add(row.line, "order_number", _("no order with this number."))
            continue
        existing = known.get(key)
        lines = lines_of.get(order.pk, [])
        if existing is not None:
            if existing.order_id != order.pk:
                errors.add(
                    row.line,
                    "tracking_number",
                    _("this parcel belongs to order %(number)s already.")
                    % {"number": existing.order.number},
                )
                continue
            if row.items is not None:
                by_item = {}
                for line in lines:
                    by_item.setdefault(line.sku or f"#{line.pk}", line.pk)
                wanted = {by_item.get(item): q for item, q in row.items.items()}
                if not same_parcel(existing, wanted):
                    errors.add(
                        row.line,
                        "lines",
                        _("this parcel was imported before with other lines."),
                    )
                    continue
            if row.delivered_on and existing.delivered_on is None:
                if row.delivered_on < existing.shipped_on:
                    errors.add(
                        row.line,
                        "delivered_on",
                        _("The delivery date must lie between the shipping date and today."),
                    )
                    continue
                result.delivered.append((existing, row.delivered_on))
            else:
                result.unchanged += 1
            continue
        so_far = {pk: shipped.get(pk, 0) + taken.get(pk, 0) for pk in {line.pk for line in lines}}
        quantities, problems = parcel_check(
            order=order,
            lines=lines,
            shipped=so_far,
            items=row.items,
            carrier=row.carrier,
            tracking_number=row.tracking_number,
            shipped_on=row.shipped_on,
            delivered_on=row.delivered_on,
        )
        for column, message in problems.items():
            errors.add(row.line, "order_number" if column == "order" else column, message)
        if problems:
            continue
        for pk, q in quantities.items():
            taken[pk] = taken.get(pk, 0) + q
        result.new.append((row, order, quantities))
    return result


def _lock_orders(checked: list[_Checked]) -> None:
    """Lock the rows of every order the file ships, in id order (as shipment_create
    locks its one order): parcels entered meanwhile wait, or are seen below."""
    order_ids = sorted({order.pk for part in checked for _r, order, _q in part.new})
    for ids in chunked(order_ids, CHUNK):
        list(Order.objects.select_for_update().filter(pk__in=ids).order_by("pk").values("pk"))


def _recheck_locked(part: _Checked, errors: ErrorList, taken: dict[int, int]) -> list:
    """Under the orders' lock: parcel_check again against what the database holds
    now, so a parcel entered in the admin or the API since the check (or an order
    cancelled or refunded meanwhile) cannot make the file over-ship. Returns the
    parcels to write, with their quantities as checked now."""
    order_ids = {order.pk for _r, order, _q in part.new}
    orders = {
        o.pk: o for o in Order.objects.filter(pk__in=order_ids).only("pk", "number", "status")
    }
    lines_of: dict[int, list[OrderLine]] = {}
    for line in OrderLine.objects.filter(order_id__in=order_ids).order_by("pk"):
        lines_of.setdefault(line.order_id, []).append(line)
    shipped = shipped_quantities(order_ids=order_ids)
    known = set(
        Shipment.objects.filter(
            tracking_number__in={row.tracking_number for row, _o, _q in part.new}
        ).values_list("carrier", "tracking_number")
    )
    new = []
    for row, checked_order, _q in part.new:
        if (row.carrier, row.tracking_number) in known:
            errors.add(
                row.line,
                "tracking_number",
                _("this parcel was entered meanwhile; please import the file again."),
            )
            continue
        order = orders[checked_order.pk]
        lines = lines_of.get(order.pk, [])
        quantities, problems = parcel_check(
            order=order,
            lines=lines,
            shipped={line.pk: shipped.get(line.pk, 0) + taken.get(line.pk, 0) for line in lines},
            items=row.items,
            carrier=row.carrier,
            tracking_number=row.tracking_number,
            shipped_on=row.shipped_on,
            delivered_on=row.delivered_on,
        )
        for column, message in problems.items():
            errors.add(row.line, "order_number" if column == "order" else column, message)
        if problems:
            continue
        for pk, q in quantities.items():
            taken[pk] = taken.get(pk, 0) + q
        new.append((row, order, quantities))
    return new


def tracking_rows_import(
    rows: Iterable[tuple[int, dict]],
    *,
    source: str,
    progress: bool = False,
    errors: ErrorList | None = None,
    before_write=None,
) -> TrackingImportResult:
    """Check every row, then write all parcels in one transaction, or raise
    CsvImportError listing the bad rows. `rows`: (line number, {column: value}),
    read as a stream; `before_write` runs between checking and writing. The
    write locks the orders and checks each parcel again (_recheck_locked)."""
    errors = errors if errors is not None else ErrorList()
    parsed: list[_Row] = []
    for line, raw in rows:
        row = _parse_row(line, raw, errors)
        if row is not None:
            parsed.append(row)
    # Rows of one order are checked together: sort by order so a chunk holds them.
    parsed.sort(key=lambda r: (r.order_number, r.line))
    checked: list[_Checked] = []
    seen: dict = {}
    taken: dict[int, int] = {}
    bar = progress_bar(total=len(parsed), desc=_("checking parcels"), enabled=progress)
    with bar:
        for chunk in chunked(parsed, CHUNK):
            forget_queries()
            checked.append(_check_chunk(chunk, errors, seen, taken))
            bar.update(len(chunk))
    errors.raise_if_any()
    del parsed, seen, taken
    if before_write is not None:
        before_write()
    created = delivered = shipped_orders = unchanged = 0
    taken = {}
    with transaction.atomic():
        _lock_orders(checked)
        for part in checked:  # every parcel again, before the first write
            if part.new:
                part.new = _recheck_locked(part, errors, taken)
        errors.raise_if_any()  # all or nothing: nothing is written then
        bar = progress_bar(
            total=sum(len(c.new) for c in checked), desc=_("writing parcels"), enabled=progress
        )
        with bar:
            for part in checked:
                unchanged += part.unchanged
                for shipment, day in part.delivered:
                    Shipment.objects.filter(pk=shipment.pk).update(
                        delivered_on=day, updated_at=timezone.now()
                    )
                    delivered += 1
                if not part.new:
                    continue
                forget_queries()
                shipments = Shipment.objects.bulk_create(
                    [
                        Shipment(
                            order=order,
                            carrier=row.carrier,
                            tracking_number=row.tracking_number,
                            shipped_on=row.shipped_on,
                            delivered_on=row.delivered_on,
                            source=source,
                        )
                        for row, order, _q in part.new
                    ]
                )
                ShipmentLine.objects.bulk_create(
                    [
                        ShipmentLine(shipment=shipment, order_line_id=pk, quantity=q)
                        for shipment, (_row, _order, quantities) in zip(
                            shipments, part.new, strict=True
                        )
                        for pk, q in quantities.items()
                    ],
                    batch_size=CHUNK,
                )
                orders = list({order.pk: order for _r, order, _q in part.new}.values())
                before = {o.pk for o in orders if o.status == Order.Status.PAID}
                shipments_written(orders=orders, shipments=shipments)
                shipped_orders += len(
                    set(
                        Order.objects.filter(
                            pk__in=before, status=Order.Status.SHIPPED
                        ).values_list("pk", flat=True)
                    )
                )
                created += len(shipments)
                bar.update(len(shipments))
    return TrackingImportResult(
        created=created, unchanged=unchanged, delivered=delivered, orders_shipped=shipped_orders
    )


def tracking_import_file(*, path, progress: bool = True) -> TrackingImportResult:
    """manage.py import_tracking FILE: a CSV file (TRACKING_COLUMNS)."""
    source = CsvSource(path, TRACKING_COLUMNS, progress=progress)
    return tracking_rows_import(
        source.rows(desc=_("reading tracking file")),
        source=Shipment.Source.IMPORT,
        progress=progress,
        errors=source.errors,
        before_write=source.check_unchanged,
    )


def tracking_import_json(parcels: list[dict]) -> TrackingImportResult:
    """The API: a list of parcels (the file's columns as keys; "lines" a string
    or a list of {"item", "quantity"}); "line" numbers count from 1."""
    rows = []
    errors = ErrorList()
    for n, parcel in enumerate(parcels, start=1):
        missing = [c.name for c in TRACKING_COLUMNS if c.required and not parcel.get(c.name)]
        for name in missing:
            errors.add(n, name, _("a value is required."))
        if not missing:
            rows.append((n, parcel))
    errors.raise_if_any()
    return tracking_rows_import(rows, source=Shipment.Source.API)
