"""Benchmark: the live volume path on a real Celery worker, for a partner at depth 1,000.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_incremental \\
        .venv/bin/python bench/incremental.py --rate 50 --seconds 30

Sets up (in a scratch database whose name starts with "bench") a line of
--depth partners with --siblings bushy children hanging off every line member
(so the task also reads legs), starts its own Celery worker on Redis
(127.0.0.1, --broker-db) unless --no-worker, and pays orders of the deepest
partner at --rate per second for --seconds (bounded), from a few threads, each
payment its own transaction, exactly like checkouts.

Reports: commits per second achieved, orders applied per second, and the
latency from commit to updated results (the order's ledger entry applied to the
PV/GV/ranks of the whole upline) as median, p95 and max. Target: p95 < 2 s at
50 orders/s. --rate 0 pays as fast as the threads can (the ceiling). At the end
the live results are compared with a full recompute.
"""

import argparse
import os
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

# ruff: noqa: S603, S607, S108 -- starts our own worker with fixed arguments; a log in /tmp

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def parse_args():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--depth", type=int, default=1_000)
    parser.add_argument(
        "--siblings", type=int, default=5, help="children with volume per line member"
    )
    parser.add_argument(
        "--rate", type=float, default=50.0, help="orders per second (0 = as fast as possible)"
    )
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument(
        "--broker-db", type=int, default=12, help="Redis database number for the broker"
    )
    parser.add_argument("--worker-concurrency", type=int, default=2)
    parser.add_argument(
        "--no-worker", action="store_true", help="use a worker that is already running"
    )
    return parser.parse_args()


args = parse_args()
url = os.environ.get("DATABASE_URL", "")
if not url.startswith("postgres") or not url.rsplit("/", 1)[-1].startswith("bench"):
    sys.exit(
        "DATABASE_URL must point at a PostgreSQL scratch database whose name starts with 'bench'."
    )
BROKER = f"redis://127.0.0.1:6379/{args.broker_db}"
os.environ["CELERY_BROKER_URL"] = BROKER  # not eager: tasks go to the worker
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mlm.settings")

import django  # noqa: E402

django.setup()

from decimal import Decimal  # noqa: E402

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from orders.models import Customer, Order, OrderEvent, OrderLine  # noqa: E402
from orders.services import order_mark_paid  # noqa: E402
from partners.genealogy import child_path  # noqa: E402
from partners.models import Partner, User  # noqa: E402
from qualification.models import PartnerPeriodStats, PendingVolume, Period, Rank, VolumeEntry  # noqa: E402, I001
from qualification.services import period_for, period_recompute, plan_load  # noqa: E402

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
    ]
}


def setup_company():
    """The line and its siblings, written directly (paths as partner_enroll sets them)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE qualification_pendingvolume, qualification_volumeentry, qualification_partnerperiodstats, "
            "qualification_partnertitle, orders_orderevent, orders_orderline, orders_order, orders_customer, "
            "partners_partner, partners_user, qualification_period, qualification_rank CASCADE"
        )
    with transaction.atomic():
        Rank.objects.all().delete()
    plan_load(data=PLAN)
    now = timezone.now()
    line: list[Partner] = []
    sponsor = None
    users = User.objects.bulk_create(
        [User(email=f"line{i}@bench.invalid", password="!") for i in range(args.depth + 1)]
    )
    for i, user in enumerate(users):
        partner = Partner(
            user=user,
            first_name="Line",
            last_name=str(i),
            slug=f"line-{i}",
            sponsor=sponsor,
            path=child_path(sponsor.path, sponsor.pk) if sponsor else "",
            depth=i,
            joined_at=now,
        )
        partner.save()
        line.append(partner)
        sponsor = partner
    siblings = []
    sib_users = User.objects.bulk_create(
        [
            User(email=f"sib{i}@bench.invalid", password="!")
            for i in range(len(line) * args.siblings)
        ]
    )
    for i, user in enumerate(sib_users):
        parent = line[i // args.siblings]
        siblings.append(
            Partner(
                user=user,
                first_name="Sib",
                last_name=str(i),
                slug=f"sib-{i}",
                sponsor=parent,
                path=child_path(parent.path, parent.pk),
                depth=parent.depth + 1,
                joined_at=now,
            )
        )
    Partner.objects.bulk_create(siblings, batch_size=5_000)
    period = period_for(at=now)
    # Siblings already have volume this month (ledger entries on one placeholder
    # order): the task reads them as legs of every line member.
    customer = Customer.objects.create(email="bench-siblings@bench.invalid")
    holder = Order.objects.create(
        number="B-SIBLINGS",
        customer=customer,
        email=customer.email,
        placed_at=now,
        status=Order.Status.PAID,
        paid_at=now,
    )
    event = OrderEvent.objects.create(
        order=holder, kind=OrderEvent.Kind.PAID, key="paid", occurred_at=now
    )
    VolumeEntry.objects.bulk_create(
        [
            VolumeEntry(
                order_event=event,
                line_no=i,
                order=holder,
                period=period,
                partner=s,
                kind=VolumeEntry.Kind.CUSTOMER,
                qv=Decimal(150),
            )
            for i, s in enumerate(Partner.objects.filter(first_name="Sib").order_by("pk"))
        ],
        batch_size=5_000,
    )
    period_recompute(period=period)
    return line, period


def make_orders(partner: Partner, count: int) -> list[int]:
    customer = Customer.objects.create(email="bench-customer@bench.invalid")
    now = timezone.now()
    orders = Order.objects.bulk_create(
        [
            Order(
                number=f"B-{i}",
                customer=customer,
                email=customer.email,
                attributed_partner=partner,
                attribution=Order.Attribution.CODE,
                placed_at=now,
                subtotal=Decimal("30"),
                total=Decimal("30"),
                qv=Decimal("12.50"),
            )
            for i in range(count)
        ],
        batch_size=2_000,
    )
    OrderLine.objects.bulk_create(
        [
            OrderLine(
                order=o,
                name="Bench",
                unit_price=Decimal("30"),
                vat_rate=Decimal("19"),
                unit_qv=Decimal("12.50"),
                quantity=1,
            )
            for o in orders
        ],
        batch_size=2_000,
    )
    return [o.pk for o in orders]


def start_worker():
    env = dict(os.environ, CELERY_BROKER_URL=BROKER, CONN_MAX_AGE="0")
    subprocess.run(
        ["redis-cli", "-n", str(args.broker_db), "flushdb"], check=True, capture_output=True
    )
    log = open("/tmp/bench-incremental-worker.log", "w")  # noqa: SIM115 - closed with the process
    proc = subprocess.Popen(
        [
            str(ROOT / ".venv/bin/celery"),
            "-A",
            "mlm",
            "worker",
            "--loglevel=WARNING",
            f"--concurrency={args.worker_concurrency}",
            "--pool=prefork",
            "--without-gossip",
            "--without-mingle",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    time.sleep(4)
    if proc.poll() is not None:
        sys.exit("The worker did not start; see /tmp/bench-incremental-worker.log")
    return proc


def main():
    print(f"Setting up a line of {args.depth:,} partners with {args.siblings} siblings each ...")
    line, period = setup_company()
    deepest = line[-1]
    total = int(args.rate * args.seconds) if args.rate else int(200 * args.seconds)
    order_ids = make_orders(deepest, total)
    worker = None if args.no_worker else start_worker()
    try:
        run(order_ids, deepest, period, line)
    finally:
        if worker is not None:
            worker.terminate()
            try:
                worker.wait(timeout=20)
            except subprocess.TimeoutExpired:
                worker.kill()


def run(order_ids, deepest, period, line):
    committed: dict[int, float] = {}  # ledger entry id -> commit time
    lock = threading.Lock()
    started = time.monotonic() + 0.5
    deadline = started + args.seconds
    next_index = iter(range(len(order_ids)))

    def feeder():
        try:
            while True:
                with lock:
                    i = next(next_index, None)
                if i is None:
                    return
                due = started + (i / args.rate if args.rate else 0)
                if due > deadline or (not args.rate and time.monotonic() > deadline):
                    return
                delay = due - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
                order = order_mark_paid(order=Order(pk=order_ids[i]))
                done = time.monotonic()  # the transaction has committed when the service returns
                entry_id = (
                    VolumeEntry.objects.filter(order=order).values_list("pk", flat=True).get()
                )
                with lock:
                    committed[entry_id] = done
        finally:
            connection.close()

    applied: dict[int, float] = {}

    def monitor():
        try:
            while True:
                with lock:
                    waiting = [e for e in committed if e not in applied]
                    feeding = any(t.is_alive() for t in threads)
                if not waiting and not feeding:
                    return
                if waiting:
                    with connection.cursor() as cursor:
                        cursor.execute(
                            "SELECT entry_id FROM qualification_pendingvolume WHERE entry_id = ANY(%s)",
                            [waiting],
                        )
                        still = {row[0] for row in cursor.fetchall()}
                    now = time.monotonic()
                    with lock:
                        for e in waiting:
                            if e not in still:
                                applied[e] = now
                if time.monotonic() > deadline + 120:
                    print("gave up waiting for the worker")
                    return
                time.sleep(0.02)
        finally:
            connection.close()

    print(
        f"Paying orders of the partner at depth {deepest.depth:,} at "
        f"{'max' if not args.rate else args.rate} orders/s for {args.seconds:.0f} s with {args.threads} threads ..."
    )
    threads = [threading.Thread(target=feeder) for _ in range(args.threads)]
    for t in threads:
        t.start()
    watcher = threading.Thread(target=monitor)
    watcher.start()
    for t in threads:
        t.join()
    fed_until = time.monotonic()
    watcher.join()

    latencies = sorted(applied[e] - committed[e] for e in applied)
    n = len(committed)
    first, last_commit = min(committed.values()), max(committed.values())
    last_applied = max(applied.values()) if applied else float("nan")
    print()
    print(
        f"orders paid (committed): {n:,} in {last_commit - first:.1f} s = {n / max(last_commit - first, 1e-9):.1f} orders/s"
    )
    print(
        f"orders applied:          {len(applied):,}; all applied {last_applied - fed_until:+.2f} s after the last commit"
    )
    print(
        f"applied throughput:      {len(applied) / max(last_applied - first, 1e-9):.1f} orders/s (first commit to last applied)"
    )
    if latencies:
        p95 = latencies[min(len(latencies) - 1, int(0.95 * len(latencies)))]
        print(
            f"commit -> result latency: median {statistics.median(latencies) * 1000:.0f} ms, "
            f"p95 {p95 * 1000:.0f} ms, max {latencies[-1] * 1000:.0f} ms  (target p95 < 2000 ms)"
        )
    assert not PendingVolume.objects.exists()
    top = PartnerPeriodStats.objects.get(partner=line[0], period=period)
    live = {
        (s.partner_id): (s.pv, s.gv, s.paid_as_level, s.subtree_max_level)
        for s in PartnerPeriodStats.objects.filter(period=period)
    }
    period_recompute(period=period)
    full = {
        (s.partner_id): (s.pv, s.gv, s.paid_as_level, s.subtree_max_level)
        for s in PartnerPeriodStats.objects.filter(period=period)
    }
    print(f"top of the line: GV {top.gv}; live results equal a full recompute: {live == full}")
    Period.objects.filter(pk=period.pk).update(status=Period.Status.OPEN)


if __name__ == "__main__":
    call_command("migrate", verbosity=0)
    main()
