"""Benchmark: closing a period (recompute + commission statements) against the
recompute of the same period, and the live estimate refresh (PostgreSQL).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/mlm_commissions \\
        .venv/bin/python bench/commissions.py --partners 100000 --orders 1000000

Generates the data with bench/recompute.py's generator (one line --chain-depth
deep plus bushy trees, one ledger entry per order, some refund reversals; this
TRUNCATEs the partner, order and ledger tables of the database given), then
gives every entry a CV of 80 % of its QV, pauses 10 % of the partners and
terminates 2 %, moves the period into the past (so it can close) and loads a
plan with commission rates (5 generations, a cap of 40 %).

Times, best of --repeat runs, each in a transaction rolled back afterwards
(the deferred foreign-key checks of COMMIT included):
  recompute   = qualification.services.period_recompute
  commissions = commissions.services.statements_compute_for_close alone (reads,
                engine, COPY of statements and lines, customer lines by order)
  close       = qualification.services.period_close (final recompute, the
                commission statements, title ranks) -- what an admin runs
  estimate    = commissions.services.estimates_refresh of the open period
  floor       = what no design that computes in Python avoids: reading the
                engine's inputs (period_input) and engine.compute without lines;
                nothing written (the part of `commissions` before any storage)
Aim: commissions <= 1 x recompute (close <= 2 x recompute); estimate at 100k < 5 s.
Peak memory (max RSS of this process) is printed after each step.
"""

import argparse
import hashlib
import os
import resource
import statistics
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mlm.settings")

import django  # noqa: E402

# ruff: noqa: S608 -- table names are constants; values travel as parameters

PAST = date(2026, 9, 1)


def parse_args():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--partners", type=int, default=100_000)
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--chain-depth", type=int, default=1_000)
    parser.add_argument("--refund-share", type=float, default=0.03)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--reuse", action="store_true", help="keep the data if the sizes match")
    parser.add_argument(
        "--dump",
        metavar="FILE",
        help="write the period's statements and lines (ids replaced by partner numbers, in "
        "partner and line order) to FILE and print its sha256: compare two versions byte for byte",
    )
    return parser.parse_args()


def plan_with_commissions(base: dict) -> dict:
    ranks = []
    rates = {
        1: ("15", ["5"]),
        2: ("20", ["6", "4"]),
        3: ("25", ["7", "5", "3"]),
        4: ("25", ["8", "6", "4", "2"]),
        5: ("30", ["8", "6", "4", "3", "2"]),
    }
    for rank in base["ranks"]:
        customer, team = rates[rank["level"]]
        ranks.append(
            dict(
                rank,
                customer_percent=customer,
                team_percents=team,
                advancement_bonus=str(100 * rank["level"] ** 2),
            )
        )
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


def statements_dump(cursor, period_id: int, path: str) -> None:
    """The period's statements, their lines and the summary as text, free of
    generated ids and timestamps, so two runs (or two versions) compare byte
    for byte."""
    digest = hashlib.sha256()
    queries = (
        "SELECT s.partner_id, s.paid_as_level, s.paid_as_rank_name, s.active_qualified, s.pv, "
        "s.cv, s.customer_cv, s.own_cv, s.customer_percent, s.customer_commission, "
        "s.team_commission, s.advancement_bonus, s.total, s.carried_in, s.payout, s.carried_out "
        "FROM commissions_statement s WHERE s.period_id = {period} ORDER BY s.partner_id",
        "SELECT s.partner_id, l.kind, l.source_partner_id, l.order_id, l.generation, l.cv, "
        "l.percent, l.amount, l.factor, l.rank_name, l.reason, l.skipped_partner_id "
        "FROM commissions_statementline l JOIN commissions_statement s ON s.id = l.statement_id "
        "WHERE s.period_id = {period} ORDER BY s.partner_id, l.id",
        "SELECT cv_total, customer_total, team_total, bonus_total, cap_limit, cap_factor, "
        "customer_commission, team_commission, advancement_bonus, total, payout_total, "
        "carried_total, statement_count "
        "FROM commissions_periodcommissionsummary WHERE period_id = {period}",
    )
    with open(path, "wb") as out:
        for query in queries:
            sql = f"COPY ({query.format(period=int(period_id))}) TO STDOUT"
            with cursor.connection.cursor().copy(sql) as copy:
                for block in copy:
                    out.write(block)
                    digest.update(block)
    print(f"statements dump {path}: sha256 {digest.hexdigest()}")


def main():
    args = parse_args()
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        sys.exit("DATABASE_URL must point at a PostgreSQL scratch database.")
    django.setup()
    import recompute as base_bench
    from django.core.management import call_command
    from django.db import connection, transaction

    from commissions import engine
    from commissions.services import (
        commission_plan,
        estimates_refresh,
        period_input,
        statements_compute_for_close,
    )
    from qualification.models import Period
    from qualification.services import period_close, period_recompute, plan_load

    call_command("migrate", verbosity=0)
    period = Period.objects.filter(start=PAST).first()
    have = (0, 0)
    if period is not None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM partners_partner")
            partners = cursor.fetchone()[0]
            cursor.execute(
                "SELECT count(*) FROM qualification_volumeentry WHERE period_id = %s AND qv > 0",
                [period.pk],
            )
            have = (partners, cursor.fetchone()[0])
    if not (args.reuse and have == (args.partners, args.orders)):
        period = base_bench.generate(args)
        started = time.perf_counter()
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL session_replication_role = replica")
            cursor.execute("UPDATE qualification_volumeentry SET cv = round(qv * 0.8, 2)")
            cursor.execute("UPDATE partners_partner SET status = 'inactive' WHERE id % 10 = 3")
            cursor.execute("UPDATE partners_partner SET status = 'terminated' WHERE id % 50 = 7")
            cursor.execute(
                "UPDATE qualification_period SET start = %s WHERE id = %s", [PAST, period.pk]
            )
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE qualification_volumeentry")
            cursor.execute("VACUUM ANALYZE partners_partner")
        print(f"  CV, statuses and the period's month set in {time.perf_counter() - started:.1f} s")
    plan_load(data=plan_with_commissions(base_bench.PLAN))
    Period.objects.filter(pk=period.pk).update(status=Period.Status.OPEN, closed_at=None, plan=None)
    period.refresh_from_db()
    print(f"peak memory after set-up: {peak_mb():,.0f} MB")

    class Rollback(Exception):
        pass

    def timed(step):
        """Seconds of step(), run in a transaction that is rolled back. The
        deferred foreign-key checks, which COMMIT would run, run inside the
        timing (SET CONSTRAINTS ALL IMMEDIATE)."""
        started = time.perf_counter()
        try:
            with transaction.atomic():
                result = step()
                with connection.cursor() as cursor:
                    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                elapsed = time.perf_counter() - started
                raise Rollback(result)
        except Rollback as done:
            return elapsed, done.args[0]

    timings: dict[str, list[float]] = {
        "recompute": [],
        "commissions": [],
        "close": [],
        "estimate": [],
        "floor": [],
    }
    figures = {}
    peaks = {}
    # The period's results exist (as when an admin closes a live period).
    period_recompute(period=period)

    def vacuum_statements():
        """Each timed run writes statements and lines and rolls them back; their
        dead rows (and dead entries of the partial index line_bonus_paid) would
        be read by the next run's bonus look-up, which a real close, committed
        once, never meets. VACUUM between runs (outside any transaction)."""
        with connection.cursor() as cursor:
            cursor.execute("VACUUM commissions_statementline")
            cursor.execute("VACUUM commissions_statement")

    for _run in range(args.repeat):
        vacuum_statements()
        seconds, _rows = timed(lambda: period_recompute(period=period))
        timings["recompute"].append(seconds)
        peaks["recompute"] = peak_mb()
        seconds, summary = timed(lambda: statements_compute_for_close(period=period))
        timings["commissions"].append(seconds)
        figures["summary"] = summary
        peaks["commissions"] = peak_mb()
        vacuum_statements()
        seconds, _closed = timed(lambda: period_close(period=Period.objects.get(pk=period.pk)))
        timings["close"].append(seconds)
        peaks["close"] = peak_mb()
        vacuum_statements()
        seconds, count = timed(lambda: estimates_refresh(period=period))
        timings["estimate"].append(seconds)
        figures["estimates"] = count
        peaks["estimate"] = peak_mb()

        def floor():
            with connection.cursor() as cursor:
                data = period_input(cursor, period)
            return engine.compute(commission_plan(), data, explain=False)

        seconds, _result = timed(floor)
        timings["floor"].append(seconds)
        peaks["floor"] = peak_mb()

    vacuum_statements()
    with transaction.atomic(), connection.cursor() as cursor:
        statements_compute_for_close(period=period)
        cursor.execute(
            "SELECT count(*) FROM commissions_statement WHERE period_id = %s", [period.pk]
        )
        statements = cursor.fetchone()[0]
        cursor.execute(
            "SELECT kind, count(*) FROM commissions_statementline l JOIN commissions_statement s "
            "ON s.id = l.statement_id WHERE s.period_id = %s GROUP BY kind ORDER BY kind",
            [period.pk],
        )
        lines = cursor.fetchall()
        if args.dump:
            statements_dump(cursor, period.pk, args.dump)
        transaction.set_rollback(True)

    summary = figures["summary"]
    best = {name: min(values) for name, values in timings.items()}
    print()
    print(
        f"partners {args.partners:,}, orders {args.orders:,}; statements {statements:,}; lines "
        + ", ".join(f"{kind} {n:,}" for kind, n in lines)
    )
    print(
        f"period CV {summary.cv_total / 100:,.2f}, total {summary.total / 100:,.2f}, payouts "
        f"{summary.payout / 100:,.2f}, cap factor {float(summary.cap_factor) if summary.cap_factor else 1:.4f}"
    )
    median = {name: statistics.median(values) for name, values in timings.items()}
    for name, values in timings.items():
        print(
            f"{name:12} best {best[name]:.3f} s  median {median[name]:.3f} s  runs "
            f"{', '.join(f'{v:.3f}' for v in values)}  peak RSS so far {peaks[name]:,.0f} MB"
        )
    for name, note in (
        ("commissions", "aim <= 1.00"),
        ("close", "aim <= 2.00"),
        ("floor", "reading and computing, nothing stored"),
    ):
        print(
            f"{name + ' / recompute:':24} best {best[name] / best['recompute']:.2f}, median "
            f"{median[name] / median['recompute']:.2f}  ({note})"
        )
    print(
        f"estimate refresh ({figures['estimates']:,} estimates): {best['estimate']:.3f} s  (aim < 5 s at 100k)"
    )


if __name__ == "__main__":
    main()
