"""Benchmark: full recompute of one period against the bare aggregate it cannot beat.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_recompute \\
        .venv/bin/python bench/recompute.py --partners 100000 --orders 1000000

Generates (into a scratch database whose name starts with "bench", after
TRUNCATE, with foreign-key triggers off during the load) partners -- one chain as deep as --chain-depth plus bushy random trees
-- and one ledger entry per order (plus some refund reversals) straight into
the tables with COPY, streamed in chunks, so 1,000,000 partners and 10,000,000
orders fit in memory. Ledger entries hang on a few placeholder orders/events
(the recompute never reads them; the ledger's constraints stay valid).

Then times, best of --repeat runs (warm cache):
  baseline  = SELECT partner_id, SUM(qv) ... GROUP BY partner_id over the period's
              ledger + reading all partners' (id, sponsor_id), fetched to Python;
  recompute = qualification.services.period_recompute (reads, bottom-up pass,
              rank evaluation, COPY of all results rows, commit).
Target: recompute <= 3 x baseline. --reuse skips generation when the sizes match.
"""

import argparse
import io
import os
import random
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mlm.settings")

import django  # noqa: E402

# ruff: noqa: S608 -- table names are constants; values travel as parameters

PLAN = {
    "ranks": [
        {
            "level": 1,
            "name": "Bronze",
            "min_pv": "100",
            "min_gv": "0",
            "max_leg_percent": None,
            "min_qualified_legs": 0,
            "leg_rank": None,
        },
        {
            "level": 2,
            "name": "Silver",
            "min_pv": "100",
            "min_gv": "1000",
            "max_leg_percent": "60",
            "min_qualified_legs": 0,
            "leg_rank": None,
        },
        {
            "level": 3,
            "name": "Gold",
            "min_pv": "150",
            "min_gv": "4000",
            "max_leg_percent": "50",
            "min_qualified_legs": 2,
            "leg_rank": "Silver",
        },
        {
            "level": 4,
            "name": "Platinum",
            "min_pv": "200",
            "min_gv": "8000",
            "max_leg_percent": "40",
            "min_qualified_legs": 2,
            "leg_rank": "Gold",
        },
        {
            "level": 5,
            "name": "Diamond",
            "min_pv": "200",
            "min_gv": "50000",
            "max_leg_percent": "30",
            "min_qualified_legs": 3,
            "leg_rank": "Platinum",
        },
    ]
}
CHUNK = 200_000
EVENT_LINES = 30_000  # ledger lines per placeholder event (line_no is a smallint)


def parse_args():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--partners", type=int, default=100_000)
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--chain-depth", type=int, default=1_000, help="length of the deepest line")
    parser.add_argument("--refund-share", type=float, default=0.03)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--reuse", action="store_true", help="keep the data if the sizes match")
    return parser.parse_args()


def required_fillers(cursor, table: str, given: list[str]) -> tuple[list[str], list[str]]:
    """NOT NULL columns without a default that the generator does not set
    (added by later migrations): filled with a neutral value of their type."""
    cursor.execute(
        "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = %s "
        "AND is_nullable = 'NO' AND column_default IS NULL AND is_identity = 'NO'",
        [table],
    )
    columns, values = [], []
    for name, data_type in cursor.fetchall():
        if name in given:
            continue
        columns.append(name)
        if data_type in ("boolean",):
            values.append("f")
        elif data_type in ("integer", "bigint", "smallint", "numeric"):
            values.append("0")
        elif "timestamp" in data_type or data_type == "date":
            values.append("2026-01-01")
        elif data_type in ("jsonb", "json"):
            values.append("{}")
        else:
            values.append("")
    return columns, values


def copy_rows(cursor, table: str, columns: list[str], rows, label: str, total: int):
    extra_cols, extra_vals = required_fillers(cursor, table, columns)
    suffix = "".join("\t" + v for v in extra_vals)
    done = 0
    started = time.perf_counter()
    with cursor.connection.cursor().copy(
        f"COPY {table} ({', '.join(columns + extra_cols)}) FROM STDIN"
    ) as copy:
        buf = io.StringIO()
        for n, row in enumerate(rows, start=1):
            buf.write(row)
            if suffix:
                buf.write(suffix)
            buf.write("\n")
            if n % CHUNK == 0:
                copy.write(buf.getvalue())
                buf = io.StringIO()
                done = n
                rate = done / (time.perf_counter() - started)
                print(f"\r  {label}: {done:,}/{total:,} ({rate:,.0f}/s)", end="", flush=True)
        copy.write(buf.getvalue())
    print(f"\r  {label}: {total:,}/{total:,} in {time.perf_counter() - started:.1f} s" + " " * 20)


def generate(args):
    from django.db import connection, transaction

    from orders.models import Customer, Order, OrderEvent
    from qualification.services import plan_load

    rng = random.Random(args.seed)
    n = args.partners
    chain = min(args.chain_depth, n)
    now = datetime.now(UTC).isoformat()
    print(
        f"Generating {n:,} partners (one line {chain:,} deep + bushy trees) and {args.orders:,} orders ..."
    )
    with transaction.atomic(), connection.cursor() as cursor:
        # Bulk load of generated, consistent data into a scratch database: no
        # per-row foreign-key triggers (they would be checked at COMMIT, one by
        # one, for ten million rows).
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(
            "TRUNCATE qualification_pendingvolume, qualification_volumeentry, qualification_partnerperiodstats, "
            "qualification_partnertitle, orders_orderevent, orders_orderline, orders_order, orders_customer, "
            "partners_partner, partners_user, qualification_period CASCADE"
        )
        from qualification.services import period_for

        period = period_for(at=datetime.now(UTC))
        copy_rows(
            cursor,
            "partners_user",
            [
                "id",
                "password",
                "is_superuser",
                "first_name",
                "last_name",
                "is_staff",
                "is_active",
                "date_joined",
                "email",
            ],
            (f"{i}\t!\tf\tB\t{i}\tf\tt\t{now}\tb{i}@bench.invalid" for i in range(1, n + 1)),
            "users",
            n,
        )

        paths: list[str] = [""] * (n + 1)
        depths = [0] * (n + 1)
        roots = max(1, min(20, n // 5_000))

        def partners():
            bushy: list[int] = []
            for pid in range(1, n + 1):
                if pid <= chain:  # the deep line: 1 > 2 > 3 > ...
                    sponsor = pid - 1 if pid > 1 else None
                elif len(bushy) < roots:
                    sponsor = None
                elif rng.random() < 0.01:  # a customer-turned-partner deep in the line
                    sponsor = rng.randint(1, chain)
                else:
                    sponsor = rng.choice(bushy)
                if sponsor is None:
                    path, depth = "", 0
                else:
                    path, depth = f"{paths[sponsor]}{sponsor}.", depths[sponsor] + 1
                paths[pid], depths[pid] = path, depth
                if pid > chain and (sponsor is None or sponsor > chain):
                    bushy.append(pid)
                yield (
                    f"{pid}\tB\t{pid}\tb{pid}\t{path}\t{depth}\tactive\t{now}"
                    + "\t" * 8
                    + f"{now}\t{now}\t"
                    f"{sponsor if sponsor else chr(92) + 'N'}\t{pid}"
                )

        copy_rows(
            cursor,
            "partners_partner",
            [
                "id",
                "first_name",
                "last_name",
                "slug",
                "path",
                "depth",
                "status",
                "joined_at",
                "terms_version",
                "photo",
                "message",
                "instagram_url",
                "tiktok_url",
                "youtube_url",
                "website_url",
                "created_at",
                "updated_at",
                "sponsor_id",
                "user_id",
            ],
            partners(),
            "partners",
            n,
        )
        print(f"  max depth {max(depths):,}, mean depth {sum(depths) / n:.1f}")
        paths.clear()
        cursor.execute("SELECT setval(pg_get_serial_sequence('partners_user', 'id'), %s)", [n])
        cursor.execute("SELECT setval(pg_get_serial_sequence('partners_partner', 'id'), %s)", [n])

        refunds = int(args.orders * args.refund_share)
        lines = args.orders + refunds
        customer = Customer.objects.create(email="bench@bench.invalid")
        events = []
        for k in range(lines // EVENT_LINES + 1):
            order = Order.objects.create(
                number=f"BENCH-{k}",
                customer=customer,
                email=customer.email,
                placed_at=datetime.now(UTC),
            )
            events.append(
                OrderEvent.objects.create(
                    order=order, kind="paid", key="paid", occurred_at=order.placed_at
                )
            )

        def entries():
            for i in range(lines):
                event = events[i // EVENT_LINES]
                partner = rng.randint(1, n)
                partner_sql = "\\N" if partner % 50 == 0 else partner  # 2 % company orders
                cents = rng.randint(1_000, 20_000)
                if i >= args.orders:
                    cents = -rng.randint(500, 5_000)  # refund reversals
                kind = "own" if rng.random() < 0.1 else "customer"
                yield (
                    (
                        f"{event.order_id}\t{event.pk}\t{i % EVENT_LINES}\t{period.pk}\t{partner_sql}\t{kind}\t"
                        f"{cents // 100}.{cents % 100:02d}\t{now}"
                    )
                    if cents >= 0
                    else (
                        f"{event.order_id}\t{event.pk}\t{i % EVENT_LINES}\t{period.pk}\t{partner_sql}\t{kind}\t"
                        f"-{-cents // 100}.{-cents % 100:02d}\t{now}"
                    )
                )

        copy_rows(
            cursor,
            "qualification_volumeentry",
            [
                "order_id",
                "order_event_id",
                "line_no",
                "period_id",
                "partner_id",
                "kind",
                "qv",
                "booked_at",
            ],
            entries(),
            "ledger entries",
            lines,
        )
        plan_load(data=PLAN)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE qualification_volumeentry")
        cursor.execute("VACUUM ANALYZE partners_partner")
    return period


def main():
    args = parse_args()
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        sys.exit(
            "DATABASE_URL must point at a PostgreSQL scratch database (e.g. .../bench_recompute)."
        )
    if not url.rsplit("/", 1)[-1].startswith("bench"):
        sys.exit(
            "Refusing: the database name must start with 'bench' (this script TRUNCATEs tables)."
        )
    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction

    from qualification import engine, sql
    from qualification.models import PartnerPeriodStats, Period, Rank
    from qualification.services import _plan, period_for, period_recompute

    call_command("migrate", verbosity=0)
    period = period_for(at=datetime.now(UTC))
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM partners_partner")
        have_partners = cursor.fetchone()[0]
        cursor.execute(
            "SELECT count(*) FROM qualification_volumeentry WHERE period_id = %s AND qv > 0",
            [period.pk],
        )
        have_orders = cursor.fetchone()[0]
    if not (args.reuse and have_partners == args.partners and have_orders == args.orders):
        period = generate(args)
    Period.objects.filter(pk=period.pk).update(status=Period.Status.OPEN)

    def baseline(tuned: bool):
        started = time.perf_counter()
        with transaction.atomic(), connection.cursor() as cursor:
            if tuned:
                sql.tune_for_bulk(cursor)
            cursor.execute(
                "SELECT partner_id, SUM(qv) FROM qualification_volumeentry WHERE period_id = %s GROUP BY partner_id",
                [period.pk],
            )
            sums = cursor.fetchall()
            cursor.execute("SELECT id, sponsor_id FROM partners_partner")
            partners = cursor.fetchall()
        assert sums and partners
        return time.perf_counter() - started

    def recompute(scenario: str, run: int):
        """fresh: the period has no results yet (all rows inserted); unchanged:
        nothing changed since the last run; plan: the Silver rule changed (many
        ranks move, rows updated)."""
        if scenario == "fresh":  # as if the period had never been computed
            PartnerPeriodStats.objects.filter(period=period).delete()
            with connection.cursor() as cursor:
                cursor.execute("VACUUM qualification_partnerperiodstats")
        elif scenario == "plan":
            Rank.objects.filter(name="Silver").update(min_gv=1500 if run % 2 == 0 else 1000)
        started = time.perf_counter()
        rows = period_recompute(period=period)
        return time.perf_counter() - started, rows

    scenarios = ("fresh", "unchanged", "plan")
    baselines, tuned_baselines = [], []
    timings: dict[str, list[float]] = {name: [] for name in scenarios}
    for run in range(args.repeat):
        baselines.append(baseline(False))
        tuned_baselines.append(baseline(True))
        for name in scenarios:
            seconds, rows = recompute(name, run)
            timings[name].append(seconds)

    # Where the time goes (the steps of period_recompute, timed one by one).
    steps = {}
    with transaction.atomic(), connection.cursor() as cursor:
        sql.tune_for_bulk(cursor)
        t = time.perf_counter()
        volumes, _pending = sql.period_volumes(cursor, period.pk)
        steps["ledger sums"] = time.perf_counter() - t
        t = time.perf_counter()
        partners = sql.partners_bottom_up(cursor)
        steps["genealogy, deepest first"] = time.perf_counter() - t
        plan = _plan()
        t, cpu = time.perf_counter(), time.process_time()
        result_rows = engine.full_pass(plan, volumes, partners)
        steps["bottom-up pass"] = time.perf_counter() - t
        steps["bottom-up pass (CPU)"] = time.process_time() - cpu
        transaction.set_rollback(True)
    del volumes, partners, result_rows

    best_base, best_tuned = min(baselines), min(tuned_baselines)
    strict = min(best_base, best_tuned)
    print()
    print(f"partners {args.partners:,}, orders {args.orders:,}, results rows {rows:,}")
    print(
        f"baseline  (GROUP BY + read partners), default work_mem: best {best_base:.3f} s  "
        f"runs {', '.join(f'{b:.3f}' for b in baselines)}"
    )
    print(
        f"baseline  same, with the recompute's work_mem:          best {best_tuned:.3f} s  "
        f"runs {', '.join(f'{b:.3f}' for b in tuned_baselines)}"
    )
    worst = 0.0
    for name in scenarios:
        best = min(timings[name])
        worst = max(worst, best)
        print(
            f"recompute [{name:9}] (period_recompute, write+commit incl.): best {best:.3f} s  "
            f"runs {', '.join(f'{r:.3f}' for r in timings[name])}  ratio {best / strict:.2f}"
        )
    print(
        "  steps, timed alone: "
        + ", ".join(f"{k} {v:.3f} s" for k, v in steps.items())
        + "; the write streams by COPY during the pass"
    )
    print(
        f"ratio worst recompute scenario / faster baseline: {worst / strict:.2f}  (target <= 3.00)"
    )


if __name__ == "__main__":
    main()
