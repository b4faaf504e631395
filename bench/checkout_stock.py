"""Benchmark: checkouts per second with stock tracking vs without (PostgreSQL).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/mlm_bench_stock \\
        .venv/bin/python bench/checkout_stock.py --rounds 5 --orders 100 --threads 4

Paired rounds: each round places --orders orders (orders.services.order_place,
the checkout's writer: prepare, number, lines, stock, confirmation outbox) of
the same two-product cart, once with both products untracked and once with
both tracked (stock large enough), in alternating order, spread over --threads
threads with a connection each (as web workers would). With stock, every
checkout of a product also updates its row, and checkouts of the same product
queue on that row until their transaction commits: the worst case is every
customer buying the same products, which this bench is.
This TRUNCATEs the order tables of the database given.
"""

import argparse
import os
import statistics
import sys
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mlm.settings")

import django  # noqa: E402
from threads import timed_threads  # noqa: E402

CUSTOMER = {
    "first_name": "Karla",
    "last_name": "Kundin",
    "street": "Lindenweg 5",
    "postal_code": "10115",
    "city": "Berlin",
    "country": "DE",
    "partner_code": "",
}


def run(products, *, orders: int, threads: int, tag: str) -> float:
    from orders.services import order_place

    cart = {p.pk: 1 for p in products}
    per_thread = orders // threads
    chunks = [[(n, i) for i in range(per_thread)] for n in range(threads)]

    def checkout(item):
        n, i = item
        order_place(
            cart_lines=cart, customer_data={**CUSTOMER, "email": f"{tag}-{n}-{i}@example.org"}
        )

    return per_thread * threads / timed_threads(checkout, chunks)


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--orders", type=int, default=100)
    parser.add_argument("--threads", type=int, default=4)
    args = parser.parse_args()
    django.setup()
    from django.db import connection

    from orders.models import Product

    assert connection.vendor == "postgresql", "run it on PostgreSQL (DATABASE_URL)"
    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE orders_orderline, orders_ordertransition, orders_ordermail, orders_order, "
            "orders_customer, orders_product RESTART IDENTITY CASCADE"
        )
    untracked = [
        Product.objects.create(name="Seife", price=Decimal("12.00")),
        Product.objects.create(name="Creme", price=Decimal("24.00")),
    ]
    tracked = [
        Product.objects.create(name="Seife L", price=Decimal("12.00"), stock=10**9),
        Product.objects.create(name="Creme L", price=Decimal("24.00"), stock=10**9),
    ]
    run(untracked, orders=args.threads * 5, threads=args.threads, tag="warm")
    without, with_stock = [], []
    for n in range(args.rounds):
        pair = [("off", untracked, without), ("on", tracked, with_stock)]
        if n % 2:
            pair.reverse()
        for label, products, results in pair:
            results.append(
                run(products, orders=args.orders, threads=args.threads, tag=f"{label}{n}")
            )
        print(f"round {n + 1}: without {without[-1]:.1f}/s, with stock {with_stock[-1]:.1f}/s")
    ratios = [w / o for w, o in zip(with_stock, without, strict=True)]
    print(
        f"median orders/s: without stock {statistics.median(without):.1f}, "
        f"with stock {statistics.median(with_stock):.1f}; "
        f"with/without per round: median {statistics.median(ratios):.2f} "
        f"(min {min(ratios):.2f}, max {max(ratios):.2f})"
    )
    left = sorted(Product.objects.filter(stock__isnull=False).values_list("stock", flat=True))
    sold = 10**9 - left[0]
    print(f"stock check: {sold} units of each tracked product sold, none twice")


if __name__ == "__main__":
    main()
