"""The warehouse interface: export_shipments (CSV, JSON) and import_tracking
(all or nothing, line errors with line numbers, idempotent)."""

import csv
import io
import json

import pytest
from django.core.management import CommandError, call_command

from fulfilment.models import Shipment
from orders.models import Order

pytestmark = pytest.mark.django_db


def write(tmp_path, text, name="tracking.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def export(fmt="csv"):
    out = io.StringIO()
    call_command("export_shipments", f"--format={fmt}", stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_the_export_lists_what_is_still_to_ship_with_the_address(paid_order):
    order = paid_order()
    Shipment.objects.create(
        order=order, carrier="dhl", tracking_number="P1", shipped_on="2026-01-02"
    )
    Shipment.objects.get().lines.create(order_line=order.lines.get(name="Seife"), quantity=1)
    rows = list(csv.DictReader(io.StringIO(export())))
    assert [(r["order_number"], r["item"], r["quantity"]) for r in rows] == [
        (order.number, "SOAP-01", "1"),
        (order.number, f"#{order.lines.get(name='Creme').pk}", "1"),
    ]
    assert rows[0]["street"] == "Lindenweg 5" and rows[0]["city"] == "Berlin"


def test_the_json_export_has_one_object_per_order(paid_order):
    first, second = paid_order(), paid_order()
    data = json.loads(export("json"))
    assert [o["order_number"] for o in data["orders"]] == [first.number, second.number]
    assert data["orders"][0]["ship_to"]["postal_code"] == "10115"


def test_unpaid_and_shipped_orders_are_not_exported(paid_order):
    order = paid_order()
    Order.objects.filter(pk=order.pk).update(status=Order.Status.PENDING)
    assert json.loads(export("json")) == {"orders": []}


def test_import_ships_the_orders_and_a_second_import_changes_nothing(
    paid_order, tmp_path, committed, mailoutbox
):
    a, b = paid_order(), paid_order()
    cream_b = f"#{b.lines.get(name='Creme').pk}"
    path = write(
        tmp_path,
        "order_number,carrier,tracking_number,lines,shipped_on\n"
        f"{a.number},DHL,A-1,,2026-01-05\n"
        f"{b.number},dpd,B-1,SOAP-01:2,2026-01-05\n"
        f"{b.number},Hermes,B-2,{cream_b}:1,2026-01-06\n",
    )
    out = io.StringIO()
    with committed():
        call_command("import_tracking", path, "--no-progress", stdout=out)
    assert "Imported 3 parcel(s), 2 order(s) now shipped" in out.getvalue()
    assert set(Order.objects.values_list("status", flat=True)) == {Order.Status.SHIPPED}
    assert len(mailoutbox) == 3
    out = io.StringIO()
    call_command("import_tracking", path, "--no-progress", stdout=out)
    assert "Imported 0 parcel(s)" in out.getvalue() and "3 already imported" in out.getvalue()
    assert Shipment.objects.count() == 3


def test_a_later_file_adds_the_delivery_dates(paid_order, tmp_path):
    order = paid_order()
    header = "order_number,carrier,tracking_number,shipped_on,delivered_on\n"
    call_command(
        "import_tracking",
        write(tmp_path, header + f"{order.number},ups,1Z9,2026-01-05,\n"),
        "--no-progress",
        stdout=io.StringIO(),
    )
    out = io.StringIO()
    call_command(
        "import_tracking",
        write(tmp_path, header + f"{order.number},ups,1Z9,2026-01-05,2026-01-07\n", "b.csv"),
        "--no-progress",
        stdout=out,
    )
    assert "1 delivery date(s) added" in out.getvalue()
    assert str(Shipment.objects.get().delivered_on) == "2026-01-07"


def test_one_bad_row_refuses_the_file_and_every_problem_names_its_line(paid_order, tmp_path):
    order = paid_order()
    path = write(
        tmp_path,
        "order_number,carrier,tracking_number,lines\n"
        f"{order.number},dhl,OK-1,SOAP-01:1\n"
        "2026-NOPE00,dhl,X-2,\n"
        f"{order.number},pigeon,X-3,\n"
        f"{order.number},dhl,X-4,SOAP-01:5\n"
        f"{order.number},dhl,OK-1,SOAP-01:1\n",
    )
    with pytest.raises(CommandError) as exc:
        call_command("import_tracking", path, "--no-progress", stdout=io.StringIO())
    message = str(exc.value)
    assert "nothing was imported" in message
    assert "line 3, column order_number: no order with this number." in message
    assert "line 4, column carrier: unknown carrier “pigeon”" in message
    assert "line 5, column lines: “SOAP-01”: only 1 still to ship." in message
    assert (
        "line 6, column tracking_number: this parcel appears twice in the file (first on line 2)."
        in message
    )
    assert not Shipment.objects.exists()


def test_a_parcel_imported_again_with_other_lines_is_an_error(paid_order, tmp_path):
    order = paid_order()
    header = "order_number,carrier,tracking_number,lines\n"
    call_command(
        "import_tracking",
        write(tmp_path, header + f"{order.number},gls,G-1,SOAP-01:1\n"),
        "--no-progress",
        stdout=io.StringIO(),
    )
    with pytest.raises(CommandError) as exc:
        call_command(
            "import_tracking",
            write(tmp_path, header + f"{order.number},gls,G-1,SOAP-01:2\n", "b.csv"),
            "--no-progress",
            stdout=io.StringIO(),
        )
    assert "imported before with other lines" in str(exc.value)


def test_a_file_with_an_unknown_column_is_refused_at_the_header(tmp_path):
    with pytest.raises(CommandError) as exc:
        call_command(
            "import_tracking",
            write(tmp_path, "order,carrier,tracking_number\n"),
            "--no-progress",
            stdout=io.StringIO(),
        )
    assert "line 1" in str(exc.value)


def test_the_bulk_ship_keeps_the_status_rule_and_announces_each_order(paid_order):
    from django.core.exceptions import ValidationError

    from orders.bulk import orders_ship_bulk
    from orders.events import order_shipped

    a, b = paid_order(), paid_order()
    announced = []

    def listener(sender, order, **kwargs):
        announced.append(order.number)

    order_shipped.connect(listener)
    try:
        assert orders_ship_bulk(order_ids=[a.pk, b.pk]) == 2
    finally:
        order_shipped.disconnect(listener)
    assert sorted(announced) == sorted([a.number, b.number])
    assert set(Order.objects.values_list("status", flat=True)) == {Order.Status.SHIPPED}
    with pytest.raises(ValidationError):
        orders_ship_bulk(order_ids=[a.pk])  # shipped already
