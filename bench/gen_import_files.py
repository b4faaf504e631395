# ruff: noqa: S108
"""Write large import files in the data-exchange formats (partners, orders).

    .venv/bin/python bench/gen_import_files.py --partners 1000000 --orders 1000000 --out /tmp/dx

The genealogy mixes a bushy company (each new partner joins under a random
earlier one, so most are shallow: depth about ln(n)) with one deep line
(--deep, default 1,000 levels). Rows are written in shuffled order, so many sponsors come further
down the file than their partners. Orders: paid in the previous and the current
month (company time), ~5 % refunded in full, ~5 % partners' own orders, ~2 %
without partner; about one customer per three orders. Standard library only.
"""

import argparse
import csv
import os
import random
import sys
import time
from datetime import UTC, datetime, timedelta

FIRST = [
    "Anna",
    "Ben",
    "Clara",
    "Dora",
    "Emil",
    "Finn",
    "Greta",
    "Hanna",
    "Ida",
    "Jonas",
    "Karl",
    "Lena",
    "Mia",
    "Noah",
    "Olga",
    "Paul",
    "Jürgen",
    "Zoë",
    "Çelik",
    "Ömer",
]
LAST = [
    "Müller",
    "Schmidt",
    "Schneider",
    "Fischer",
    "Weber",
    "Meyer",
    "Wagner",
    "Becker",
    "Schulz",
    "Hoffmann",
    "Schäfer",
    "Koch",
    "Bauer",
    "Richter",
    "Klein",
    "Wolf",
    "Schröder",
    "Neumann",
    "Schwarz",
    "Zimmermann",
]


def sponsors(n: int, deep: int, rng: random.Random) -> list[int]:
    """sponsor index per partner (-1 = root). Partner i joins under a random
    earlier partner (a random recursive tree: depth about ln(n), a few very
    big teams); the last `deep` partners form one line below a random partner."""
    result = [-1] * n
    bushy = n - deep
    for i in range(1, n):
        if i >= bushy and i > 0:
            result[i] = i - 1 if i > bushy else rng.randrange(0, max(bushy, 1))
        elif i % 50_000 == 0:
            result[i] = -1  # a few more roots
        else:
            result[i] = rng.randrange(0, i)
    return result


def write_partners(path: str, n: int, deep: int, rng: random.Random) -> None:
    sponsor = sponsors(n, deep, rng)
    order = list(range(n))
    rng.shuffle(order)
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(
            [
                "external_id",
                "email",
                "first_name",
                "last_name",
                "slug",
                "sponsor_external_id",
                "joined_at",
                "status",
            ]
        )
        for i in order:
            first, last = FIRST[i % len(FIRST)], LAST[(i // len(FIRST)) % len(LAST)]
            w.writerow(
                [
                    f"P{i}",
                    f"partner{i}@example.com",
                    first,
                    last,
                    f"p-{i}" if i % 2 else "",  # half the slugs are generated from the name
                    f"P{sponsor[i]}" if sponsor[i] >= 0 else "",
                    f"20{10 + i % 16}-0{1 + i % 9}-1{i % 10}",
                    "inactive" if i % 97 == 0 else ("terminated" if i % 211 == 0 else ""),
                ]
            )


def write_orders(path: str, n: int, partners: int, rng: random.Random) -> None:
    now = datetime.now(UTC)
    this_month = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    start = (this_month - timedelta(days=1)).replace(day=1)
    span = int((now - start).total_seconds()) - 7200
    customers = max(1, n // 3)
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(
            [
                "external_id",
                "customer_email",
                "partner_external_id",
                "paid_at",
                "currency",
                "total",
                "qv",
                "refunded_at",
            ]
        )
        for i in range(n):
            partner = rng.randrange(partners)
            roll = rng.random()
            if roll < 0.02:
                partner_ext, email = "", f"kunde{rng.randrange(customers)}@example.org"
            elif roll < 0.07:
                partner_ext, email = f"P{partner}", f"partner{partner}@example.com"
            else:
                partner_ext, email = f"P{partner}", f"kunde{rng.randrange(customers)}@example.org"
            paid = start + timedelta(seconds=rng.randrange(span))
            cents = rng.randrange(990, 25_000)
            qv = cents * 8 // 10
            refunded = ""
            if rng.random() < 0.05:
                refunded = min(
                    paid + timedelta(days=rng.randrange(1, 10)), now - timedelta(seconds=60)
                ).isoformat(timespec="seconds")
            w.writerow(
                [
                    f"O{i}",
                    email,
                    partner_ext,
                    paid.isoformat(timespec="seconds"),
                    "EUR",
                    f"{cents // 100}.{cents % 100:02d}",
                    f"{qv // 100}.{qv % 100:02d}",
                    refunded,
                ]
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--partners", type=int, default=1_000_000)
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--deep", type=int, default=1_000, help="length of the one deep line")
    parser.add_argument("--out", default="/tmp/dx")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    rng = random.Random(args.seed)
    for name, write in (
        (
            "partners.csv",
            lambda p: write_partners(p, args.partners, min(args.deep, args.partners), rng),
        ),
        ("orders.csv", lambda p: write_orders(p, args.orders, args.partners, rng)),
    ):
        path = os.path.join(args.out, name)
        started = time.monotonic()
        write(path)
        print(
            f"{path}: {os.path.getsize(path) / 1e6:.1f} MB in {time.monotonic() - started:.1f} s",
            file=sys.stderr,
        )


if __name__ == "__main__":
    main()
