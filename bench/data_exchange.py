# ruff: noqa: S603, S108
"""Time the data-exchange commands on big files and report rows/s and peak memory.

    psql -h 127.0.0.1 -U postgres -c 'create database dx_bench'
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/dx_bench \\
        .venv/bin/python bench/data_exchange.py --partners 1000000 --orders 1000000

Generates the files (bench/gen_import_files.py) unless they exist, migrates the
(scratch!) database, then runs import_partners, import_orders, both again (the
idempotent re-import) and export_qualification, each as its own process, and
prints wall time, rows per second and the peak resident memory of each.
"""

import argparse
import csv
import os
import subprocess
import sys
import time
from datetime import datetime, timedelta

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PY = sys.executable


def run(label: str, args: list[str], rows: int | None) -> None:
    started = time.monotonic()
    # DEBUG off as in production (DEBUG keeps every statement in memory).
    env = {**os.environ, "DEBUG": "0"}
    proc = subprocess.Popen(
        [PY, "manage.py", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    out = proc.stdout.read()
    _pid, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.monotonic() - started
    rate = f"{rows / seconds:>9,.0f} rows/s" if rows else " " * 16
    print(
        f"{label:<28} {seconds:8.1f} s  {rate}  peak RSS {usage.ru_maxrss / 1024:7.0f} MB",
        flush=True,
    )
    if proc.returncode:
        print(out.decode()[-3000:], file=sys.stderr)
        sys.exit(f"{label} failed")
    last = out.decode().strip().splitlines()[-1:] if not args[0].startswith("export") else []
    for line in last:
        print(f"    {line}")


def count_rows(path: str) -> int:
    with open(path, encoding="utf-8") as fh:
        return sum(1 for _ in fh) - 1


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--partners", type=int, default=1_000_000)
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--dir", default="/tmp/dx")
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        sys.exit("Set DATABASE_URL to a scratch PostgreSQL database.")
    partners = os.path.join(args.dir, "partners.csv")
    orders = os.path.join(args.dir, "orders.csv")
    if not (os.path.exists(partners) and os.path.exists(orders)):
        subprocess.run(
            [
                PY,
                os.path.join(ROOT, "bench", "gen_import_files.py"),
                "--partners",
                str(args.partners),
                "--orders",
                str(args.orders),
                "--out",
                args.dir,
            ],
            check=True,
        )
    n_partners, n_orders = count_rows(partners), count_rows(orders)
    print(f"{n_partners:,} partners, {n_orders:,} orders; database {os.environ['DATABASE_URL']}")
    subprocess.run([PY, "manage.py", "migrate", "-v0"], cwd=ROOT, check=True)
    run("import_partners", ["import_partners", partners, "--no-progress"], n_partners)
    run("import_orders", ["import_orders", orders, "--no-progress"], n_orders)
    run("import_partners (again)", ["import_partners", partners, "--no-progress"], n_partners)
    run("import_orders (again)", ["import_orders", orders, "--no-progress"], n_orders)
    with open(orders, encoding="utf-8") as fh:
        first = next(csv.DictReader(fh))["paid_at"]
    month = datetime.fromisoformat(first) + timedelta(hours=2)
    out = os.path.join(args.dir, "export.csv")
    run(
        "export_qualification",
        ["export_qualification", "--period", f"{month:%Y-%m}", "--output", out],
        n_partners,
    )


if __name__ == "__main__":
    main()
