"""Benchmark: one plan sandbox run over 12 closed months (PostgreSQL).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/mlm_sandbox \\
        .venv/bin/python bench/sandbox.py --partners 100000 --orders 100000 --months 12

Generates the partners and one month of orders with bench/recompute.py's
generator (this TRUNCATEs the partner, order and ledger tables of the database
given), copies that month's ledger into --months past months with volumes
varied per partner and month (CV = 80 % of QV), loads bench/commissions.py's
plan (5 ranks, 5 generations, cap 40 %) and closes the months in calendar order
with period_close (recompute, statements, title ranks), as the company would.

Then times sandbox.services.sandbox_compute over all closed months twice:
  same   the plan that paid (checks that it reproduces the stored totals)
  draft  a changed plan (customer percents +2, cap 35 %)
and prints seconds per period, the total, and the peak memory (max RSS).
Aim: 12 months at 100k partners in minutes, not hours.

Measured 2026-11-30 (2 shared cores, load ~11; 100k partners, 100k orders a
month = 1.24M ledger entries in 12 closed months): the plan that paid
reproduces all 12 months' stored totals exactly; one run over the 12 months
takes 16-31 s (1.2-3.2 s per period), peak RSS 379 MB. Setting up (12 closes
through period_close) took 12-148 s a close under that load.
"""

import argparse
import copy
import os
import resource
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

# The repo first (this file's name is also an app's name), then the bench scripts.
BENCH = str(Path(__file__).resolve().parent)
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(BENCH)]
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.append(BENCH)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mlm.settings")

import django  # noqa: E402

# ruff: noqa: S608 -- table names are constants; values travel as parameters


def parse_args():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--partners", type=int, default=100_000)
    parser.add_argument("--orders", type=int, default=100_000, help="orders per month")
    parser.add_argument("--months", type=int, default=12)
    parser.add_argument("--chain-depth", type=int, default=1_000)
    parser.add_argument("--refund-share", type=float, default=0.03)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--reuse", action="store_true", help="keep the closed months if they are there"
    )
    return parser.parse_args()


def plan_with_commissions(base: dict) -> dict:
    """bench/commissions.py's plan (that file's name is taken by the app here)."""
    rates = {
        1: ("15", ["5"]),
        2: ("20", ["6", "4"]),
        3: ("25", ["7", "5", "3"]),
        4: ("25", ["8", "6", "4", "2"]),
        5: ("30", ["8", "6", "4", "3", "2"]),
    }
    ranks = [
        dict(
            rank,
            customer_percent=rates[rank["level"]][0],
            team_percents=rates[rank["level"]][1],
            advancement_bonus=str(100 * rank["level"] ** 2),
        )
        for rank in base["ranks"]
    ]
    return {
        "ranks": ranks,
        "commissions": {
            "base_customer_percent": "10",
            "active_min_pv": "50",
            "cap_percent": "40",
            "min_payout": "25",
        },
    }


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def build(args):
    import recompute as base_bench
    from django.db import connection, transaction

    from orders.models import OrderEvent
    from qualification.models import Period
    from qualification.periods import month_start
    from qualification.services import period_close, plan_load

    base = base_bench.generate(args)
    plan_load(data=plan_with_commissions(base_bench.PLAN))
    this_month = month_start(datetime.now(UTC))
    starts = []
    year, month = this_month.year, this_month.month
    for _k in range(args.months):
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
        starts.append(this_month.replace(year=year, month=month, day=1))
    starts.sort()
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute("UPDATE qualification_volumeentry SET cv = round(qv * 0.8, 2)")
        cursor.execute("UPDATE partners_partner SET status = 'inactive' WHERE id % 10 = 3")
        cursor.execute("UPDATE partners_partner SET status = 'terminated' WHERE id % 50 = 7")
        cursor.execute(
            "SELECT DISTINCT order_event_id FROM qualification_volumeentry WHERE period_id = %s",
            [base.pk],
        )
        events = [row[0] for row in cursor.fetchall()]
        for k, start in enumerate(starts, start=1):
            period = Period.objects.create(start=start)
            mapping = []
            for old in OrderEvent.objects.filter(pk__in=events):
                new = OrderEvent.objects.create(
                    order_id=old.order_id,
                    kind=old.kind,
                    key=f"bench-{k}",
                    occurred_at=old.occurred_at,
                )
                mapping.append(f"({old.pk}, {new.pk})")
            factor = f"(0.6 + ((COALESCE(e.partner_id, 0) * {k + 3}) %% 80) / 100.0)"
            cursor.execute(
                "INSERT INTO qualification_volumeentry (order_id, order_event_id, line_no, period_id, partner_id, "
                "kind, qv, cv, booked_at) "
                f"SELECT e.order_id, m.new_id, e.line_no, %s, e.partner_id, e.kind, round(e.qv * {factor}, 2), "
                f"round(round(e.qv * {factor}, 2) * 0.8, 2), e.booked_at FROM qualification_volumeentry e "
                f"JOIN (VALUES {', '.join(mapping)}) AS m(old_id, new_id) ON m.old_id = e.order_event_id "
                "WHERE e.period_id = %s",
                [period.pk, base.pk],
            )
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE qualification_volumeentry")
    print(f"  {args.months} months of ledger copied in {time.perf_counter() - started:.1f} s")
    for start in starts:
        began = time.perf_counter()
        period_close(period=Period.objects.get(start=start))
        print(f"  closed {start:%Y-%m} in {time.perf_counter() - began:.1f} s")


def main():
    args = parse_args()
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        sys.exit("DATABASE_URL must point at a PostgreSQL scratch database.")
    django.setup()
    from django.core.management import call_command

    from commissions.models import PeriodCommissionSummary
    from qualification.models import Period
    from sandbox.services import sandbox_compute

    call_command("migrate", verbosity=0)
    closed = list(Period.objects.filter(status=Period.Status.CLOSED).order_by("start"))
    if not (args.reuse and len(closed) == args.months):
        build(args)
        closed = list(Period.objects.filter(status=Period.Status.CLOSED).order_by("start"))
    print(f"peak memory after set-up: {peak_mb():,.0f} MB")
    from partners.models import Partner
    from qualification.models import VolumeEntry

    print(
        f"partners {Partner.objects.count():,}; closed months {len(closed)}; ledger entries in them "
        f"{VolumeEntry.objects.filter(period__in=closed).count():,}"
    )

    paid_plan = closed[-1].plan
    draft = copy.deepcopy(paid_plan)
    for rank in draft["ranks"]:
        rank["customer_percent"] = str(int(float(rank["customer_percent"])) + 2)
    draft["commissions"]["cap_percent"] = "35"

    for name, plan in (("same", paid_plan), ("draft", draft)):
        marks: list[tuple[float, str]] = []
        began = time.perf_counter()
        results = sandbox_compute(
            data=plan,
            periods=closed,
            progress=lambda _p, message, marks=marks: marks.append((time.perf_counter(), message)),
        )
        total = time.perf_counter() - began
        starts = [t for t, message in marks if "ranks" in message] + [began + total]
        per_period = [b - a for a, b in zip(starts, starts[1:], strict=False)]
        print(
            f"\n{name}: {len(closed)} periods in {total:.1f} s; per period "
            + ", ".join(f"{s:.2f}" for s in per_period)
            + f" s; peak RSS {peak_mb():,.0f} MB"
        )
        for period in results["periods"]:
            d, p = period["draft"], period["paid"]
            print(
                f"  {period['label']}: CV {d['cv_total']}, paid {p['total']} ({p['total_percent_of_cv']} %), "
                f"draft {d['total']} ({d['total_percent_of_cv']} %), cap {p['cap_factor']} -> {d['cap_factor']}"
            )
        if name == "same":
            same = all(
                period["draft"][key] == period["paid"][key]
                for period in results["periods"]
                for key in (
                    "customer",
                    "team",
                    "bonus",
                    "total",
                    "payout_total",
                    "cap_factor",
                    "ranks",
                )
            )
            print(f"  the plan that paid reproduces the stored totals: {'yes' if same else 'NO'}")
        else:
            print(
                f"  partners changed {results['partners_changed']:,}; top gainer "
                f"{results['gainers'][:1]}; top loser {results['losers'][:1]}"
            )
    assert PeriodCommissionSummary.objects.count() >= len(closed)


if __name__ == "__main__":
    main()
