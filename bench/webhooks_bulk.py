"""Benchmark: writing one webhook event per item in bulk (webhook_events_record),
as a period close with many statements does (PostgreSQL).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/mlm_events \\
        .venv/bin/python bench/webhooks_bulk.py --events 100000 --endpoints 1

Creates the webhook endpoints (the webhook tables only), then times
webhook_events_record with statement-sized payloads inside a transaction that is
rolled back, best of --repeat runs, and prints events per second.
"""

import argparse
import os
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mlm.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import transaction  # noqa: E402

from webhooks.models import Endpoint  # noqa: E402
from webhooks.services import webhook_events_record  # noqa: E402


class Rollback(Exception):
    pass


def payloads(n):
    for i in range(n):
        yield {
            "statement_id": i,
            "partner": {"id": i, "slug": f"partner-{i}"},
            "period": {"id": 1, "label": "2026-09"},
            "paid_as_level": 2,
            "paid_as_rank": "Silver",
            "total": Decimal("137.00"),
            "payout": Decimal("137.00"),
            "carried_out": Decimal("0.00"),
        }


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--endpoints", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    best = None
    for _ in range(args.repeat):
        started = time.perf_counter()
        try:
            with transaction.atomic():
                for n in range(args.endpoints):
                    Endpoint.objects.create(
                        url=f"https://hooks.example.com/{n}",
                        events=["commission.statement_issued"],
                        secret="whsec_bench",
                    )
                started = time.perf_counter()
                written = webhook_events_record(
                    event_type="commission.statement_issued", payloads=payloads(args.events)
                )
                seconds = time.perf_counter() - started
                raise Rollback
        except Rollback:
            pass
        best = seconds if best is None else min(best, seconds)
    print(
        f"{written} events x {args.endpoints} endpoint(s): {best:.2f} s "
        f"({written / best:,.0f} events/s; on-commit fan-out not included)"
    )


if __name__ == "__main__":
    main()
