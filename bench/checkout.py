#!/usr/bin/env python
"""The guest checkout flow against the same number of bare requests.

Production-like (bench/stack.py): PostgreSQL and Redis, DJANGO_ENV=production, DEBUG
off, gunicorn with 2 sync workers on 127.0.0.1 (ports 8201-8209), the requests as
nginx would pass them on (X-Forwarded-Proto: https, the client in X-Forwarded-For).

One flow is what a new customer's browser asks for, with a new client address and
e-mail each time (so the per-client and per-address limits count but never bite):

   1 GET  /anna/               the landing page (the same bytes for everyone)
   2 GET  /anna/me/?next=...   the visitor request of static/js/visitor.js
   3 GET  /shop/token/         the form token, at the first submit
   4 POST /cart/add/           add to cart on the page (the referral goes into the session)
   5 GET  /checkout/           the checkout form
   6 POST /checkout/           the customer's address -> review
   7 GET  /checkout/review/    the review page
   8 POST /checkout/place/     place the order (prepayment) -> confirmation
   9 GET  /order/<number>/     the confirmation

The bare request is GET /__bench__/bare/ (landing.views.bench_bare, "ok" through the
same middleware). At each round the bench runs `--clients` flows at a time for
`--seconds`, then as many clients asking for the bare request back to back (order
alternating round by round), and prints: flows (orders) per second, p50/p95 of one
flow, the flow as a share of the same number of bare requests (bare requests/s divided
by 9 against flows/s, taken within each round), the median ms of each step, and the
worker CPU per request. Before the load it walks one flow in process and counts each
step's SQL statements (writes) and Redis commands. After it, every placed order is
checked to be in the database.

    .venv/bin/python bench/checkout.py [--seconds 8] [--rounds 3] [--clients 4]
                                       [--pg-db mlm_speedshop_checkout]
                                       [--redis-url redis://127.0.0.1:6379/10]
                                       [--ports 8201-8209]
"""

import argparse
import http.client
import json
import re
import statistics
import threading
import uuid
from http.cookies import SimpleCookie

from stack import Stack, closed_loop, percentile

SEED = """
from decimal import Decimal
from orders.models import Product
from partners.services import partner_enroll
partner_enroll(email="anna@example.com", first_name="Anna", last_name="Albers", slug="anna",
               sponsor=None, allow_root=True, terms_accepted=True)
from partners.models import Partner
Partner.objects.filter(slug="anna").update(
    message="Ich liebe Naturkosmetik und teile meine Lieblinge gern mit dir. Schreib mir bei Fragen!",
    instagram_url="https://instagram.com/anna", website_url="https://example.com/anna")
for i in range(10):
    Product.objects.create(name=f"Produkt {i + 1}", description="Mild, vegan und ohne Mikroplastik. " * 3,
                           price=Decimal("19.90") + i, qv=Decimal("15.00") + i, sort_order=i)
print(Product.objects.order_by("pk").first().pk)
"""

STEPS = [
    "landing",
    "visitor",
    "token",
    "cart_add",
    "checkout",
    "checkout_post",
    "review",
    "place",
    "confirmation",
]

FORM = {
    "first_name": "Karla",
    "last_name": "Kundin",
    "street": "Lindenweg 5",
    "postal_code": "10115",
    "city": "Berlin",
    "country": "DE",
    "partner_code": "",
    "payment_method": "prepayment",
    "accept_terms": "on",
}

# One flow in process with the server's settings: SQL statements, writes and Redis
# commands of each step (nothing else runs then).
PROBE = r"""
import json, re
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
import redis.client

PRODUCT, FORM = {product}, {form}
redis_commands = [0]
_execute = redis.client.Redis.execute_command
def counting(self, *args, **kwargs):
    redis_commands[0] += 1
    return _execute(self, *args, **kwargs)
redis.client.Redis.execute_command = counting
_pipeline = redis.client.Pipeline.execute
def counting_pipeline(self, *args, **kwargs):
    redis_commands[0] += 1
    return _pipeline(self, *args, **kwargs)
redis.client.Pipeline.execute = counting_pipeline

def flow(n, report):
    client = Client(HTTP_HOST="127.0.0.1", HTTP_X_FORWARDED_PROTO="https",
                    HTTP_X_FORWARDED_FOR=f"10.9.{{n}}.1", HTTP_ORIGIN="https://127.0.0.1",
                    HTTP_REFERER="https://127.0.0.1/anna/", HTTP_ACCEPT_LANGUAGE="de")
    token = [None]
    number = [None]
    def step(name, call):
        before = redis_commands[0]
        with CaptureQueriesContext(connection) as q:
            answer = call()
        sql = [x["sql"] for x in q.captured_queries]
        writes = sum(1 for s in sql if s.startswith(("INSERT", "UPDATE", "DELETE")))
        report[name] = (len(sql), writes, redis_commands[0] - before, answer.status_code, sql)
        return answer
    step("landing", lambda: client.get("/anna/"))
    step("visitor", lambda: client.get("/anna/me/?next=/anna/"))
    answer = step("token", lambda: client.get("/shop/token/"))
    token[0] = answer.json()["csrf"]
    step("cart_add", lambda: client.post("/cart/add/", {{"product": PRODUCT, "next": "/anna/", "ref": "anna",
                                                          "csrfmiddlewaretoken": token[0]}}))
    step("checkout", lambda: client.get("/checkout/"))
    step("checkout_post", lambda: client.post("/checkout/", {{**FORM, "email": f"probe{{n}}@bench.example.org",
                                                             "csrfmiddlewaretoken": token[0]}}))
    review = step("review", lambda: client.get("/checkout/review/"))
    checkout_token = re.search(r'name="checkout_token" value="([^"]+)"', review.content.decode()).group(1)
    placed = step("place", lambda: client.post("/checkout/place/", {{"checkout_token": checkout_token,
                                                                    "csrfmiddlewaretoken": token[0]}}))
    step("confirmation", lambda: client.get(placed["Location"]))

flow(1, {{}})
report = {{}}
flow(2, report)
for name, (queries, writes, redis, status, sql) in report.items():
    for s in sql:
        print("SQL", name, s[:150])
print(json.dumps({{name: values[:4] for name, values in report.items()}}))
"""

COUNT_ORDERS = """
from orders.models import Order
print(Order.objects.filter(email__endswith="@flow.bench.example.org").count())
"""


class Browser:
    """One new customer: cookies kept by hand (the site's are Secure: over plain
    http to gunicorn a browser behind nginx would still send them)."""

    def __init__(self, port: int, address: str):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.cookies: dict[str, str] = {}
        self.headers = {
            "Host": "127.0.0.1",
            "X-Forwarded-Proto": "https",
            "X-Forwarded-For": address,
            "Accept-Language": "de",
        }

    def request(self, method: str, path: str, form: dict | None = None):
        headers = dict(self.headers)
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Origin"] = "https://127.0.0.1"
            headers["Referer"] = "https://127.0.0.1" + path
            from urllib.parse import urlencode

            body = urlencode(form)
        self.conn.request(method, path, body=body, headers=headers)
        answer = self.conn.getresponse()
        content = answer.read()
        for raw in answer.headers.get_all("Set-Cookie") or []:
            jar = SimpleCookie()
            jar.load(raw)
            for name, morsel in jar.items():
                if morsel["max-age"] == "0" or not morsel.value:
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        return answer.status, answer.headers, content

    def close(self):
        self.conn.close()


def one_flow(port: int, n: int, product: int, step_ms: dict, lock: threading.Lock) -> bool:
    import time

    browser = Browser(port, f"10.{(n >> 16) & 255}.{(n >> 8) & 255}.{n & 255 or 1}")
    email = f"f{n}-{uuid.uuid4().hex[:8]}@flow.bench.example.org"
    times = {}

    def step(name, method, path, form=None, expect=200):
        started = time.perf_counter()
        status, headers, content = browser.request(method, path, form)
        times[name] = (time.perf_counter() - started) * 1000
        if status != expect:
            raise AssertionError(f"{name}: {status} {content[:300]!r}")
        return headers, content

    try:
        step("landing", "GET", "/anna/")
        step("visitor", "GET", "/anna/me/?next=/anna/")
        _h, content = step("token", "GET", "/shop/token/")
        token = json.loads(content)["csrf"]
        step(
            "cart_add",
            "POST",
            "/cart/add/",
            {"product": product, "next": "/anna/", "ref": "anna", "csrfmiddlewaretoken": token},
            302,
        )
        step("checkout", "GET", "/checkout/")
        step(
            "checkout_post",
            "POST",
            "/checkout/",
            {**FORM, "email": email, "csrfmiddlewaretoken": token},
            302,
        )
        _h, content = step("review", "GET", "/checkout/review/")
        checkout_token = re.search(rb'name="checkout_token" value="([^"]+)"', content).group(1)
        headers, _c = step(
            "place",
            "POST",
            "/checkout/place/",
            {"checkout_token": checkout_token.decode(), "csrfmiddlewaretoken": token},
            302,
        )
        location = headers["Location"]
        assert "/order/" in location, location
        step("confirmation", "GET", location.split("127.0.0.1", 1)[-1])
    finally:
        browser.close()
    with lock:
        for name, ms in times.items():
            step_ms[name].append(ms)
    return True


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=8)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--pg-db", default="mlm_speedshop_checkout")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/10")
    parser.add_argument("--show-sql", action="store_true")
    parser.add_argument(
        "--ports", default="8201-8209", help="range the gunicorn port is taken from (first-last)"
    )
    args = parser.parse_args()
    rounds = max(1, min(args.rounds, 9))
    seconds = max(1.0, min(args.seconds, 60.0))
    clients = max(1, min(args.clients, 64))
    first, last = (int(x) for x in args.ports.split("-"))
    with Stack(db=args.pg_db, redis_url=args.redis_url, ports=(first, last)) as stack:
        product = int(stack.manage(SEED))
        out = stack.run(PROBE.format(product=product, form=repr(FORM)))
        if args.show_sql:
            print("\n".join(line for line in out.splitlines() if line.startswith("SQL")))
        cost = json.loads(out.strip().splitlines()[-1])
        port = stack.start()
        counter = iter(range(1, 10**7))
        counter_lock = threading.Lock()
        step_ms: dict[str, list[float]] = {name: [] for name in STEPS}
        lock = threading.Lock()

        def flow(conn, i, n):
            with counter_lock:
                k = next(counter)
            return one_flow(port, k, product, step_ms, lock)

        def bare(conn, i, n):
            conn.request("GET", "/__bench__/bare/", headers={"Host": "127.0.0.1"})
            answer = conn.getresponse()
            answer.read()
            return answer.status == 200

        closed_loop(port, 1, clients, bare)  # warm-up: imports, templates, caches
        closed_loop(port, 2, clients, flow)
        for values in step_ms.values():
            values.clear()
        before = int(stack.manage(COUNT_ORDERS))
        print(
            f"bench/checkout.py: gunicorn 2 sync workers on 127.0.0.1:{port}, DJANGO_ENV=production, "
            f"PostgreSQL ({args.pg_db}), Redis ({args.redis_url}); {clients} clients, {rounds} "
            f"rounds of {seconds:.0f} s, flows and bare requests alternating"
        )
        total = {"queries": 0, "writes": 0, "redis": 0}
        for name in STEPS:
            queries, writes, redis, status = cost[name]
            total["queries"] += queries
            total["writes"] += writes
            total["redis"] += redis
        print(
            "  one flow in process: "
            + ", ".join(f"{name} {cost[name][0]}/{cost[name][1]}/{cost[name][2]}" for name in STEPS)
            + f" (SQL statements/writes/Redis commands); in all {total['queries']} statements, "
            f"{total['writes']} writes, {total['redis']} Redis commands"
        )
        flows, bares, ratios, p50s, p95s = [], [], [], [], []
        cpu_flow, cpu_bare = [], []
        placed = 0
        for r in range(rounds):
            runs = ["flow", "bare"] if r % 2 == 0 else ["bare", "flow"]
            for kind in runs:
                cpu0 = stack.worker_cpu_seconds()
                if kind == "flow":
                    rate, latencies, failed = closed_loop(port, seconds, clients, flow)
                    flows.append(rate)
                    placed += len(latencies)
                    p50s.append(percentile(latencies, 0.5))
                    p95s.append(percentile(latencies, 0.95))
                    requests = len(latencies) * len(STEPS)
                else:
                    rate, latencies, failed = closed_loop(port, seconds, clients, bare)
                    bares.append(rate)
                    requests = len(latencies)
                cpu1 = stack.worker_cpu_seconds()
                if failed:
                    print(f"    round {r + 1}: {failed} {kind}s failed")
                if cpu0 is not None and cpu1 is not None and requests:
                    (cpu_flow if kind == "flow" else cpu_bare).append(
                        (cpu1 - cpu0) / requests * 1000
                    )
            ratios.append(flows[-1] * len(STEPS) / bares[-1] * 100)
        print(
            f"  flows {statistics.median(flows):5.1f} orders/s, p50 {statistics.median(p50s):4.0f} ms, "
            f"p95 {statistics.median(p95s):4.0f} ms; bare {statistics.median(bares):5.0f} req/s; "
            f"a flow is {statistics.median(ratios):4.1f} % of {len(STEPS)} bare requests (rounds: "
            + ", ".join(f"{x:.1f}" for x in ratios)
            + ")"
        )
        if cpu_flow and cpu_bare:
            print(
                f"  worker CPU per request: flow {statistics.median(cpu_flow):.1f} ms, bare "
                f"{statistics.median(cpu_bare):.1f} ms"
            )
        print(
            "  median ms per step: "
            + ", ".join(f"{name} {statistics.median(step_ms[name]):.1f}" for name in STEPS)
        )
        stack.stop()
        in_db = int(stack.manage(COUNT_ORDERS)) - before
        print(
            f"  work done: {placed} flows reached the confirmation, {in_db} new orders in the database"
        )


if __name__ == "__main__":
    main()
