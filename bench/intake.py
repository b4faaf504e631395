#!/usr/bin/env python
"""Order intake API (POST /api/v1/orders with a company key) against a bare DRF POST.

Production-like (bench/stack.py): PostgreSQL and Redis, DJANGO_ENV=production, DEBUG
off, gunicorn with 2 sync workers on 127.0.0.1 (ports 8201-8209). The bare request,
routed with BENCH_BARE_VIEW=1 (orders.api_bench), is a DRF POST through the same
middleware, JSON parser and renderer that inserts one row in a transaction.

Each order is new: its own external_id, Idempotency-Key and customer e-mail, a partner
code (attributed to "anna"), two catalogue lines. At each concurrency (1, 4, 16 clients)
the bench runs bare and orders alternately, round by round (a round runs back to back,
so load from other processes hits both alike), and prints the medians over the rounds:
orders/s, p50/p95 of the orders' latency, the ratio to bare within each round, and the
CPU time of the gunicorn workers per request.

Before the load it places orders in process with the same settings and counts what
one order costs: SQL statements (and of them savepoints and writes), writing commits, Redis
commands; --profile also prints where the CPU time goes (cProfile, cumulative).
After the load it checks the work done: every 201 is one order in the database.

    .venv/bin/python bench/intake.py [--seconds 5] [--rounds 3] [--clients 1,4,16]
                                     [--pg-db mlm_speedshop_intake]
                                     [--redis-url redis://127.0.0.1:6379/10] [--profile]
"""

import argparse
import json
import statistics
import uuid

from stack import Stack, closed_loop, percentile

SEED = """
from decimal import Decimal
from orders.models import Product
from orders.services import company_api_key_create
from partners.services import partner_enroll
partner_enroll(email="anna@example.com", first_name="Anna", last_name="Albers", slug="anna",
               sponsor=None, allow_root=True, terms_accepted=True)
for i in range(10):
    Product.objects.create(name=f"Produkt {i + 1}", sku=f"SKU-{i + 1:02d}",
                           description="Mild, vegan und ohne Mikroplastik.",
                           price=Decimal("19.90") + i, qv=Decimal("15.00") + i, sort_order=i)
key, raw = company_api_key_create(name="Bench shop", source="benchshop",
                                  scopes=["orders:read", "orders:write"])
print(raw)
"""

# One order's cost, in process with the server's settings (nothing else runs then).
PROBE = r"""
import cProfile, io, json, pstats, time, uuid
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
import redis.client

KEY, N, PROFILE = {key!r}, {n}, {profile}
BODY = {body}
redis_commands = [0]
_execute = redis.client.Redis.execute_command
def counting(self, *args, **kwargs):
    redis_commands[0] += 1
    return _execute(self, *args, **kwargs)
redis.client.Redis.execute_command = counting

client = Client(HTTP_HOST="127.0.0.1", HTTP_X_FORWARDED_PROTO="https")
def post(tag):
    body = dict(BODY, external_id=f"probe-{{tag}}", customer=dict(BODY["customer"], email=f"probe-{{tag}}@bench.example.org"))
    answer = client.post("/api/v1/orders", data=json.dumps(body), content_type="application/json",
                         HTTP_AUTHORIZATION=f"Bearer {{KEY}}", HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()))
    assert answer.status_code == 201, (answer.status_code, answer.content[:500])

def writing_commits(sql):
    # Commits that write (and so wait for the WAL to reach the disk): a
    # transaction with a write in it, or a write outside one (autocommit).
    count, in_transaction, wrote = 0, False, False
    for s in sql:
        if s == "BEGIN":
            in_transaction, wrote = True, False
        elif s in ("COMMIT", "ROLLBACK"):
            count += int(wrote and s == "COMMIT")
            in_transaction = False
        elif s.startswith(("INSERT", "UPDATE", "DELETE")):
            if in_transaction:
                wrote = True
            else:
                count += 1
    return count

for i in range(5):
    post(f"warm-{{i}}")
with CaptureQueriesContext(connection) as queries:
    post("count")
sql = [q["sql"] for q in queries.captured_queries]
savepoints = sum(1 for s in sql if s.startswith(("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO")))
writes = sum(1 for s in sql if s.startswith(("INSERT", "UPDATE", "DELETE")))
before_redis = redis_commands[0]
post("redis")
per_redis = redis_commands[0] - before_redis
started = time.perf_counter()
for i in range(N):
    post(f"t-{{i}}")
per_ms = (time.perf_counter() - started) * 1000 / N
lines = []
if PROFILE:
    profiler = cProfile.Profile(time.process_time)  # CPU: the machine may be busy
    profiler.enable()
    for i in range(N):
        post(f"p-{{i}}")
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(45)
    lines = out.getvalue().splitlines()
for line in lines:
    print("PROFILE", line)
for s in sql:
    print("SQL", s[:160])
print(json.dumps({{"queries": len(sql), "savepoints": savepoints, "writes": writes,
                  "commits": writing_commits(sql), "redis": per_redis, "ms": round(per_ms, 2)}}))
"""

COUNT_ORDERS = """
from orders.models import Order
print(Order.objects.filter(external_id__startswith="benchshop:load-").count())
"""


def order_body(tag: str) -> dict:
    return {
        "external_id": f"load-{tag}",
        "customer": {
            "email": f"{tag}@bench.example.org",
            "first_name": "Karla",
            "last_name": "Kundin",
            "street": "Lindenweg 5",
            "postal_code": "10115",
            "city": "Berlin",
            "country": "DE",
        },
        "lines": [
            {"sku": "SKU-01", "quantity": 2, "unit_price": "19.90"},
            {"sku": "SKU-04", "quantity": 1, "unit_price": "22.90"},
        ],
        "partner": "anna",
        "shipping": "4.90",
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--clients", default="1,4,16")
    parser.add_argument("--pg-db", default="mlm_speedshop_intake")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/10")
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--show-sql", action="store_true")
    args = parser.parse_args()
    rounds = max(1, min(args.rounds, 9))
    seconds = max(1.0, min(args.seconds, 30.0))
    levels = [max(1, min(int(c), 64)) for c in args.clients.split(",")]
    # The throttle is counted as in production, with a limit the bench does not reach.
    env = {"ORDER_INTAKE_RATE": "1000000/min"}
    with Stack(db=args.pg_db, redis_url=args.redis_url, ports=(8201, 8209), env=env) as stack:
        key = stack.manage(SEED)
        full = stack.run(
            PROBE.format(key=key, n=30, profile=bool(args.profile), body=repr(order_body("x")))
        )
        for line in full.splitlines():
            if (args.profile and line.startswith("PROFILE")) or (
                args.show_sql and line.startswith("SQL")
            ):
                print(line)
        probe = full.strip().splitlines()[-1]
        cost = json.loads(probe)
        port = stack.start()
        auth = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}

        def place(conn, i, n):
            tag = f"c{i}-{uuid.uuid4().hex[:12]}"
            conn.request(
                "POST",
                "/api/v1/orders",
                body=json.dumps(order_body(tag)),
                headers={**auth, "Idempotency-Key": str(uuid.uuid4())},
            )
            answer = conn.getresponse()
            answer.read()
            return answer.status == 201

        def bare(conn, i, n):
            conn.request(
                "POST",
                "/api/v1/__bench__/bare",
                body=json.dumps(order_body(f"bare-{i}-{n}")),
                headers={"Content-Type": "application/json"},
            )
            answer = conn.getresponse()
            answer.read()
            return answer.status == 201

        placed = 0
        for kind in (bare, place):  # warm-up: imports, connections, caches
            closed_loop(port, 1, 4, kind)
        placed_check_before = int(stack.manage(COUNT_ORDERS))
        print(
            f"bench/intake.py: gunicorn 2 sync workers on 127.0.0.1:{port}, DJANGO_ENV=production, "
            f"PostgreSQL ({args.pg_db}), Redis ({args.redis_url}); {rounds} rounds of "
            f"{seconds:.0f} s per figure, bare and orders alternating"
        )
        print(
            f"  one order: {cost['queries']} SQL statements ({cost['writes']} writes, "
            f"{cost['savepoints']} savepoint statements), {cost['commits']} writing commits, "
            f"{cost['redis']} Redis commands; {cost['ms']:.1f} ms in process (no HTTP)"
        )
        for clients in levels:
            rates = {"bare": [], "orders": []}
            lat = {"bare": [], "orders": []}
            cpu = {"bare": [], "orders": []}
            ratios, p95s, p50s, failures = [], [], [], 0
            for r in range(rounds):
                runs = [("bare", bare), ("orders", place)]
                if r % 2:
                    runs.reverse()
                for name, fn in runs:
                    before = stack.worker_cpu_seconds()
                    rate, latencies, failed = closed_loop(port, seconds, clients, fn)
                    after = stack.worker_cpu_seconds()
                    rates[name].append(rate)
                    lat[name].extend(latencies)
                    if before is not None and after is not None and latencies:
                        cpu[name].append((after - before) / (len(latencies) + failed) * 1000)
                    if name == "orders":
                        placed += len(latencies)
                        p95s.append(percentile(latencies, 0.95))
                        p50s.append(percentile(latencies, 0.50))
                    failures += failed
                ratios.append(rates["orders"][-1] / rates["bare"][-1] * 100)
            med = {k: statistics.median(v) for k, v in rates.items()}
            line = (
                f"  concurrency {clients:2d}: orders {med['orders']:6.1f}/s, p50 "
                f"{statistics.median(p50s):5.1f} ms, p95 {statistics.median(p95s):5.1f} ms; bare "
                f"{med['bare']:6.0f}/s (p95 {percentile(lat['bare'], 0.95):4.1f} ms); orders "
                f"{statistics.median(ratios):4.1f} % of bare (rounds: "
                + ", ".join(f"{x:.1f}" for x in ratios)
                + ")"
            )
            if cpu["bare"] and cpu["orders"]:
                line += (
                    f"; worker CPU/request {statistics.median(cpu['orders']):.1f} ms vs bare "
                    f"{statistics.median(cpu['bare']):.1f} ms"
                )
            if failures:
                line += f"; {failures} unexpected answers"
            print(line)
        stack.stop()
        in_db = int(stack.manage(COUNT_ORDERS)) - placed_check_before
        print(f"  work done: {placed} orders answered 201, {in_db} new orders in the database")


if __name__ == "__main__":
    main()
