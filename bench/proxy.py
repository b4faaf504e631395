#!/usr/bin/env python
"""The page cache of the proxy, and the checkout through it: figures, paired rounds.

Runs against the production stack that `.ci/stack bench` starts (nginx with TLS ->
gunicorn 2 workers -> PostgreSQL, Redis, worker, beat, media in moto's S3), all on
127.0.0.1, with bounded loops; prints:

1. landing page through the proxy cache vs nginx serving the same bytes from a file
   (the page saved into the static files): requests/s of each, alternating round by
   round (same client, same TLS, same keep-alive), and the ratio per round;
2. requests that reach Django during a 10 s burst of 1,000 landing views (100/s, new
   visitors, no cookies), counted in gunicorn's access log;
3. checkout flow (token, add to cart, checkout, review, place) orders/s through the
   proxy vs straight to gunicorn, alternating; each order from its own client
   address, so the per-client limit does not bite.

    .ci/stack bench          (BENCH_SECONDS [5], BENCH_ROUNDS [3], BENCH_THREADS [8])
"""

import os
import re
import statistics
import sys
import threading
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.stack.driver import Visitor, product_links, tls  # noqa: E402

URL = os.environ["STACK_URL"]
DIRECT = os.environ["STACK_DIRECT_URL"]
ACCESS_LOG = Path(os.environ["STACK_ACCESS_LOG"])
STATIC_ROOT = Path(os.environ["STACK_STATIC_ROOT"])
SECONDS = float(os.environ.get("BENCH_SECONDS", "5"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
THREADS = int(os.environ.get("BENCH_THREADS", "8"))
LANDING = "/anna/"
TLS = tls()


def load(url: str, seconds: float, threads: int) -> tuple[float, int]:
    """Requests/s of GET url from `threads` keep-alive clients for `seconds`."""
    counts = [0] * threads
    errors = [0] * threads
    stop = time.monotonic() + seconds

    def run(i):
        with httpx.Client(verify=TLS, headers={"Accept-Language": "de"}) as http:
            while time.monotonic() < stop:
                if http.get(url).status_code == 200:
                    counts[i] += 1
                else:
                    errors[i] += 1

    workers = [threading.Thread(target=run, args=(i,)) for i in range(threads)]
    started = time.monotonic()
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    return sum(counts) / (time.monotonic() - started), sum(errors)


def django_hits(path: str) -> int:
    return len(re.findall(rf'"GET {re.escape(path)} HTTP', ACCESS_LOG.read_text()))


def cache_vs_file() -> None:
    page = httpx.get(URL + LANDING, verify=TLS, headers={"Accept-Language": "de"})
    assert page.status_code == 200
    copy = STATIC_ROOT / "bench-landing.html"
    copy.write_bytes(page.content)
    try:
        cached_url, file_url = URL + LANDING, URL + "/static/bench-landing.html"
        assert httpx.get(file_url, verify=TLS).content == page.content
        load(cached_url, 1, THREADS)  # warm both
        load(file_url, 1, THREADS)
        ratios, cached_rates, file_rates = [], [], []
        for n in range(ROUNDS):
            order = [(cached_url, cached_rates), (file_url, file_rates)]
            if n % 2:
                order.reverse()
            for url, rates in order:
                rate, errors = load(url, SECONDS, THREADS)
                assert errors == 0, f"{errors} errors on {url}"
                rates.append(rate)
            ratios.append(cached_rates[-1] / file_rates[-1])
            print(
                f"  round {n + 1}: proxy cache {cached_rates[-1]:7.0f}/s, file "
                f"{file_rates[-1]:7.0f}/s, ratio {ratios[-1]:.0%}"
            )
        print(
            f"1. landing page via proxy cache: {statistics.median(cached_rates):.0f} req/s, "
            f"same bytes from a file: {statistics.median(file_rates):.0f} req/s, "
            f"median ratio {statistics.median(ratios):.0%} ({len(page.content)} bytes, "
            f"{THREADS} keep-alive TLS clients, {SECONDS:.0f} s x {ROUNDS} rounds)"
        )
    finally:
        copy.unlink(missing_ok=True)


def burst() -> None:
    path = LANDING + "?utm_source=bench-burst"
    before = django_hits(path)
    total, seconds, threads = 1000, 10.0, 20
    per_thread = total // threads
    codes: list[int] = []
    lock = threading.Lock()
    start = time.monotonic()

    def run(i):
        # new visitors (no cookies) on kept-alive connections, 100 views/s in all
        with httpx.Client(verify=TLS, headers={"Accept-Language": "de"}) as http:
            for k in range(per_thread):
                due = start + (k * threads + i) * seconds / total
                time.sleep(max(0.0, due - time.monotonic()))
                code = http.get(URL + path).status_code
                with lock:
                    codes.append(code)

    workers = [threading.Thread(target=run, args=(i,)) for i in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    took = time.monotonic() - start
    time.sleep(0.5)
    reached = django_hits(path) - before
    ok = codes.count(200)
    print(
        f"2. burst: {len(codes)} landing views in {took:.1f} s ({ok} answered 200); "
        f"reached Django: {reached}"
    )


def orders_per_second(base: str, headers: dict, first_address: int, n: int, product: int):
    done = []
    lock = threading.Lock()
    start = time.monotonic()

    def run(t):
        for k in range(t, n, THREADS):
            address = first_address + k
            visitor = Visitor(
                base,
                local_address=f"127.{10 + address // 250}.{address % 250 + 1}.1",
                headers=dict(headers),
                # straight to gunicorn the browser would still be on https
                origin=base.replace("http://", "https://", 1),
            )
            try:
                code = visitor.order(product_id=product, email=f"b{address}@bench.example.org")
            finally:
                visitor.close()
            with lock:
                done.append(code.status_code)

    workers = [threading.Thread(target=run, args=(t,)) for t in range(THREADS)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    took = time.monotonic() - start
    assert done.count(302) == n, done
    return n / took


def checkout() -> None:
    page = httpx.get(URL + LANDING, verify=TLS)
    product = int(re.match(r"/anna/p/(\d+)-", product_links(page.text)[0]).group(1))
    # Straight to gunicorn as the proxy would ask: https said by the header, the
    # client by X-Forwarded-For (gunicorn's peer 127.0.0.1 is the trusted proxy).
    per_round = int(os.environ.get("BENCH_ORDERS", "40"))
    proxied, direct, ratios = [], [], []
    address = 0
    for n in range(ROUNDS):
        runs = [("proxy", URL, {}, proxied), ("direct", DIRECT, None, direct)]
        if n % 2:
            runs.reverse()
        for _name, base, headers, rates in runs:
            if headers is None:
                headers = {"X-Forwarded-Proto": "https"}
            rates.append(orders_per_second(base, headers, address, per_round, product))
            address += per_round
        ratios.append(proxied[-1] / direct[-1])
        print(
            f"  round {n + 1}: through the proxy {proxied[-1]:.1f} orders/s, "
            f"direct {direct[-1]:.1f} orders/s, ratio {ratios[-1]:.0%}"
        )
    print(
        f"3. checkout: {statistics.median(proxied):.1f} orders/s through the proxy, "
        f"{statistics.median(direct):.1f} direct to gunicorn, median ratio "
        f"{statistics.median(ratios):.0%} ({per_round} orders per run, {THREADS} at a time, "
        "5 requests each)"
    )


def main() -> None:
    print(f"bench/proxy.py: nginx {URL} -> gunicorn 2 workers {DIRECT}; {os.cpu_count()} CPUs")
    cache_vs_file()
    burst()
    checkout()


if __name__ == "__main__":
    main()
