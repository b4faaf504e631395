"""Benchmark: `manage.py import_tracking` of a 3PL's file (PostgreSQL).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/mlm_bench_tracking \\
        .venv/bin/python bench/tracking_import.py --lines 100000

Generates --lines / 2 paid orders of two lines each (written in bulk; this
TRUNCATEs the order and shipment tables of the database given) and a tracking
file with two parcels per order (the first with one line, the second with "the
rest", so every order is shipped by its second parcel). Then times:

  import   = fulfilment.exchange.tracking_import_file: read + check every row,
             write parcels and lines, order_ship for every completed order, the
             e-mails handed over after commit
  again    = the same file a second time (every parcel known: nothing written)

and prints the peak memory (max RSS of this process) before and after each.
"""

import argparse
import os
import resource
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mlm.settings")

import django  # noqa: E402


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def generate(n_orders: int) -> None:
    from django.db import connection, transaction
    from django.utils import timezone

    from orders.models import Customer, Order, OrderLine, Product

    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE fulfilment_shipmentline, fulfilment_shipment, orders_orderline, "
            "orders_ordertransition, orders_orderevent, orders_ordermail, orders_order, "
            "orders_customer, orders_product RESTART IDENTITY CASCADE"
        )
    now = timezone.now()
    with transaction.atomic():
        soap = Product.objects.create(name="Seife", sku="SOAP-01", price=Decimal("12.00"))
        cream = Product.objects.create(name="Creme", sku="CREAM-01", price=Decimal("24.00"))
        step = 10_000
        for start in range(0, n_orders, step):
            count = min(step, n_orders - start)
            customers = Customer.objects.bulk_create(
                [Customer(email=f"k{start + i}@example.org") for i in range(count)]
            )
            orders = Order.objects.bulk_create(
                [
                    Order(
                        number=f"2026-B{start + i:07d}",
                        customer=c,
                        email=c.email,
                        first_name="Karla",
                        last_name="Kundin",
                        street="Lindenweg 5",
                        postal_code="10115",
                        city="Berlin",
                        status=Order.Status.PAID,
                        subtotal=Decimal("48.00"),
                        total=Decimal("48.00"),
                        placed_at=now,
                        paid_at=now,
                        language="de",
                    )
                    for i, c in enumerate(customers)
                ]
            )
            OrderLine.objects.bulk_create(
                [
                    OrderLine(
                        order=o,
                        product=p,
                        sku=p.sku,
                        name=p.name,
                        unit_price=p.price,
                        vat_rate=Decimal("19.00"),
                        unit_qv=Decimal("10"),
                        quantity=q,
                    )
                    for o in orders
                    for p, q in ((soap, 2), (cream, 1))
                ]
            )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def write_file(n_orders: int, path: str) -> None:
    with open(path, "w", encoding="utf-8") as fh:
        fh.write("order_number,carrier,tracking_number,lines,shipped_on\n")
        for i in range(n_orders):
            number = f"2026-B{i:07d}"
            fh.write(f"{number},dhl,JJD{i:012d}A,SOAP-01:2,2026-12-01\n")
            fh.write(f"{number},dpd,0150{i:010d},,2026-12-02\n")


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--lines", type=int, default=100_000)
    args = parser.parse_args()
    django.setup()
    from django.db import connection

    from fulfilment.exchange import tracking_import_file
    from orders.models import Order

    assert connection.vendor == "postgresql", "run it on PostgreSQL (DATABASE_URL)"
    n_orders = args.lines // 2
    started = time.perf_counter()
    generate(n_orders)
    print(f"generated {n_orders} paid orders in {time.perf_counter() - started:.1f} s")
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "tracking.csv")
        write_file(n_orders, path)
        print(f"file: {args.lines} lines, {os.path.getsize(path) / 1e6:.1f} MB")
        for label in ("import", "again"):
            before = rss_mb()
            started = time.perf_counter()
            result = tracking_import_file(path=path, progress=False)
            seconds = time.perf_counter() - started
            print(
                f"{label}: {seconds:.1f} s ({args.lines / seconds:,.0f} lines/s); "
                f"{result.created} parcels, {result.orders_shipped} orders shipped, "
                f"{result.unchanged} unchanged; peak RSS {before:.0f} -> {rss_mb():.0f} MB"
            )
    shipped = Order.objects.filter(status=Order.Status.SHIPPED).count()
    assert shipped == n_orders, (shipped, n_orders)


if __name__ == "__main__":
    main()
