"""Benchmark: payments per second with the invoice PDF drawn in the payment vs at first
need (PostgreSQL, tasks to a Redis broker, as a web worker or the bank import pays).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/mlm_bench_pay \\
    CELERY_BROKER_URL=redis://127.0.0.1:6379/11 \\
        .venv/bin/python bench/payments.py --rounds 4 --payments 60 --threads 4

Paired rounds: each round pays --payments placed orders (orders.services.order_mark_paid:
the status, the volume ledger, the invoice with its gapless number), spread over
--threads threads with a connection each, once as today (the invoice's PDF is drawn
later, by the e-mail's task on the worker: decision 0007) and once as before December
2026, with the PDF drawn inside the payment's transaction (`invoice_with_document`
before the commit, so the number counter's row stays locked while it is drawn), in
alternating order. The after-commit tasks go to the broker and are not run here (no
worker): what is timed is the payment. The PDF's CPU is not saved, it is moved off the
payment and out of the lock. This TRUNCATEs the order and invoice tables of the
database given and empties the broker's Redis database.
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


def place(products, *, count: int, tag: str) -> list:
    from orders.services import order_place

    cart = {p.pk: 1 + i for i, p in enumerate(products)}
    return [
        order_place(cart_lines=cart, customer_data={**CUSTOMER, "email": f"{tag}-{i}@example.org"})
        for i in range(count)
    ]


def pay(orders, *, threads: int, pdf_in_payment: bool) -> float:
    from django.db import transaction

    from invoices.models import Invoice
    from invoices.services import invoice_with_document
    from orders.services import order_mark_paid

    def payment(order):
        if pdf_in_payment:
            with transaction.atomic():
                paid = order_mark_paid(order=order)
                invoice_with_document(invoice=Invoice.objects.get(order=paid))
        else:
            order_mark_paid(order=order)

    chunks = [orders[n::threads] for n in range(threads)]
    return len(orders) / timed_threads(payment, chunks)


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--payments", type=int, default=60)
    parser.add_argument("--threads", type=int, default=4)
    args = parser.parse_args()
    django.setup()
    import redis
    from django.conf import settings
    from django.db import connection

    from invoices.models import Invoice
    from orders.models import Product

    assert connection.vendor == "postgresql", "run it on PostgreSQL (DATABASE_URL)"
    assert not settings.CELERY_TASK_ALWAYS_EAGER, "give a broker (CELERY_BROKER_URL)"
    broker = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE invoices_invoicecounter, invoices_invoice, orders_orderline, "
            "orders_ordertransition, orders_ordermail, orders_order, orders_customer, "
            "orders_product "
            "RESTART IDENTITY CASCADE"
        )
    products = [
        Product.objects.create(name="Seife Lavendel", price=Decimal("12.50")),
        Product.objects.create(name="Kräutertee", price=Decimal("8.99"), vat_rate=Decimal("7")),
    ]
    pay(
        place(products, count=args.threads * 2, tag="warm"),
        threads=args.threads,
        pdf_in_payment=True,
    )
    before, now = [], []
    for n in range(args.rounds):
        pair = [(True, before), (False, now)]
        if n % 2:
            pair.reverse()
        for pdf_in_payment, results in pair:
            orders = place(products, count=args.payments, tag=f"r{n}-{pdf_in_payment}")
            results.append(pay(orders, threads=args.threads, pdf_in_payment=pdf_in_payment))
        print(
            f"round {n + 1}: PDF in the payment {before[-1]:.1f}/s, at first need {now[-1]:.1f}/s"
        )
    ratios = [b / a for a, b in zip(before, now, strict=True)]
    print(
        f"median payments/s ({args.threads} threads): PDF in the payment "
        f"{statistics.median(before):.1f}, at first need {statistics.median(now):.1f}; "
        f"now/before per round: median {statistics.median(ratios):.2f} "
        f"(min {min(ratios):.2f}, max {max(ratios):.2f})"
    )
    numbers = sorted(Invoice.objects.values_list("sequence", flat=True))
    assert numbers == list(range(1, len(numbers) + 1)), "a gap in the invoice numbers"
    print(f"invoice numbers: {len(numbers)} issued, 1 to {numbers[-1]}, no gap")
    broker.flushdb()


if __name__ == "__main__":
    main()
