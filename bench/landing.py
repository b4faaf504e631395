#!/usr/bin/env python
"""Public page throughput against a bare Django view on the same server.

Prepares its own database (migrate, one partner, ten products) - SQLite in a
temporary directory set up like the embedded default (WAL, synchronous=NORMAL,
persistent connections; checked and printed), or with --postgres a PostgreSQL
database of its own that it drops afterwards - starts gunicorn (2 sync workers)
on 127.0.0.1 at a free port with BENCH_BARE_VIEW=1 (which routes
/__bench__/bare/, a view returning "ok" through the same middleware stack as
every page), and measures requests/s with wrk when installed, else with a
bounded keep-alive load script. Everything stays on 127.0.0.1 and stops by itself.

What a visit costs is two requests:
  landing HTML       GET /anna/: the same bytes for everyone (Cache-Control: public),
                     no session, no cookie; what a proxy or CDN would absorb, measured
                     here without one (every request reaches Django);
  visitor request    GET /anna/me/: the per-visitor bits (cart count, consent banner,
                     messages) and the visit count (Redis HINCRBY, or the database in
                     the embedded mode). The form token is read from the CSRF cookie,
                     or fetched at the first submit (not measured: once per buyer).

Scenarios (each: bare view, landing HTML, visitor request, alternating round by round):
  new visitors       no cookies;
  returning visitor  the cookies of a visitor who added a product on the page
                     (session with cart and referral, CSRF cookie).

After the runs the script flushes the visit counts and compares the sessions and
visits in the database with the requests made, so a fast figure cannot come from
skipped work: a visitor who only looks creates no session, every visitor request
of a new visitor counts one visit.

Figures: the median over the rounds of requests/s, and of the page/bare ratios
taken within each round (a round runs back to back, so load from other
processes on the machine hits all alike); on Linux also the CPU time of the
gunicorn workers per request (less sensitive to that load than requests/s).

    .venv/bin/python bench/landing.py [--seconds 5] [--rounds 3] [--connections 16]
                                      [--postgres [--pg-db NAME]] [--redis [--redis-url URL]]

--postgres        PostgreSQL at 127.0.0.1:5432 instead of SQLite, in a database the
                  script creates and drops (--pg-db, default bench_landing_<pid>);
--redis           the cache in Redis (--redis-url, default redis://127.0.0.1:6379/13;
                  the script empties that Redis database before and after:
                  give it one of your own). --postgres --redis is the production set-up.
"""

# ruff: noqa: S603, S607 - runs our own commands (manage.py, gunicorn, wrk, psql) with fixed arguments
import argparse
import http.client
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable

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
"""

# Printed by `manage.py shell` with the server's settings: what the database
# connection of a worker looks like.
SETUP_CHECK = """
from django.conf import settings
from django.db import connection
db = settings.DATABASES["default"]
line = f"{connection.vendor}, CONN_MAX_AGE={db['CONN_MAX_AGE']}, sessions {settings.SESSION_ENGINE}"
if connection.vendor == "sqlite":
    with connection.cursor() as c:
        c.execute("PRAGMA journal_mode"); journal = c.fetchone()[0]
        c.execute("PRAGMA synchronous"); sync = {0: "OFF", 1: "NORMAL", 2: "FULL", 3: "EXTRA"}[c.fetchone()[0]]
    line += f", journal_mode={journal}, synchronous={sync}"
print(line)
"""

FLUSH_REDIS_DB = """
import redis
redis.Redis.from_url("{url}").flushdb()
"""

COUNT = """
from django.contrib.sessions.models import Session
from django.db.models import Sum
from landing.models import LandingVisitDay
from landing.services import landing_visits_flush
landing_visits_flush()  # what the beat task does every minute
print(Session.objects.count(), LandingVisitDay.objects.aggregate(n=Sum("visits"))["n"] or 0)
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(port: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("gunicorn did not start")


def get(port: int, path: str, headers=None, method="GET", body=None) -> tuple[int, list, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request(method, path, body=body, headers=headers or {})
    resp = conn.getresponse()
    content = resp.read()
    conn.close()
    return resp.status, resp.getheaders(), content


def cookies_of(headers) -> dict:
    return dict(v.split(";")[0].split("=", 1) for k, v in headers if k.lower() == "set-cookie")


def run_wrk(port: int, path: str, seconds: int, connections: int, cookie: str = ""):
    """(requests/s, requests made)"""
    cmd = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s"]
    if cookie:
        cmd += ["-H", f"Cookie: {cookie}"]
    out = subprocess.run(
        [*cmd, f"http://127.0.0.1:{port}{path}"],
        capture_output=True,
        text=True,
        timeout=seconds + 30,
    )
    match = re.search(r"Requests/sec:\s+([\d.]+)", out.stdout)
    made = re.search(r"(\d+) requests in", out.stdout)
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out.stdout)
    if non2xx:
        print(f"    warning: {non2xx.group(1)} non-2xx responses on {path}")
    return (float(match.group(1)) if match else 0.0), (int(made.group(1)) if made else 0)


def run_python_load(port: int, path: str, seconds: int, connections: int, cookie: str = ""):
    """Bounded: `connections` threads with keep-alive for `seconds` seconds."""
    stop = time.monotonic() + seconds
    counts = [0] * connections
    headers = {"Cookie": cookie} if cookie else {}

    def worker(i: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        while time.monotonic() < stop:
            try:
                conn.request("GET", path, headers=headers)
                conn.getresponse().read()
                counts[i] += 1
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        conn.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(connections)]
    start = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sum(counts) / (time.monotonic() - start), sum(counts)


def worker_cpu_seconds(server_pid: int) -> float | None:
    """User + system CPU time of the gunicorn workers so far (Linux /proc), else None."""
    try:
        children = Path(f"/proc/{server_pid}/task/{server_pid}/children").read_text().split()
        total = 0
        for pid in children:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
        return total / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


def manage(env: dict, code: str) -> str:
    """Last line printed by `code` in `manage.py shell` with the server's settings."""
    out = (
        subprocess.run(
            [PY, "manage.py", "shell", "-v0", "-c", code],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
            text=True,
        )
        .stdout.strip()
        .splitlines()[-1:]
    )
    return out[0] if out else ""


PATHS = {"bare": "/__bench__/bare/", "landing": "/anna/", "visitor": "/anna/me/?next=/anna/"}


def returning_visitor(port: int) -> str:
    """The cookies of a visitor who loaded the page and pressed "Add to cart" on it
    (what static/js/visitor.js sends): a session with cart and referral, a token."""
    status, headers, body = get(port, PATHS["visitor"])
    assert status == 200 and not cookies_of(headers), (status, headers, body[:300])
    status, headers, body = get(port, "/shop/token/")  # visitor.js at the first submit
    jar = cookies_of(headers)
    token = re.search(rb'"csrf": "([^"]+)"', body).group(1).decode()
    form = f"product=1&next=/anna/&ref=anna&csrfmiddlewaretoken={token}"
    status, headers, body = get(
        port,
        "/cart/add/",
        {
            "Cookie": "; ".join(f"{k}={v}" for k, v in jar.items()),
            "Content-Type": "application/x-www-form-urlencoded",
        },
        method="POST",
        body=form,
    )
    assert status == 302, (status, body[:300])
    jar.update(cookies_of(headers))
    assert "sessionid" in jar and "csrftoken" in jar, jar
    jar.pop("messages", None)  # shown once; a returning visitor has none pending
    return "; ".join(f"{k}={v}" for k, v in jar.items())


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--pg-db", default=f"bench_landing_{os.getpid()}")
    parser.add_argument("--redis", action="store_true")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/13")
    args = parser.parse_args()
    rounds = max(1, min(args.rounds, 9))
    seconds = max(1, min(args.seconds, 30))
    connections = max(1, min(args.connections, 64))
    if not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", args.pg_db):
        raise SystemExit("--pg-db: lowercase letters, digits and _ only")

    tmp = Path(tempfile.mkdtemp(prefix="bench-landing-"))
    pg_db, redis_url = args.pg_db, args.redis_url
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp / 'bench.sqlite3'}",
        "DEBUG": "0",
        "LOG_LEVEL": "WARNING",
        "BENCH_BARE_VIEW": "1",
        "MEDIA_ROOT": str(tmp / "media"),
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    for name in ("REDIS_URL", "CELERY_BROKER_URL", "DJANGO_SETTINGS_MODULE"):
        env.pop(name, None)
    labels = []
    if args.postgres:
        subprocess.run(
            [
                "psql",
                "-h",
                "127.0.0.1",
                "-U",
                "postgres",
                "-qc",
                f"DROP DATABASE IF EXISTS {pg_db}",
            ],
            check=True,
        )
        subprocess.run(
            ["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", f"CREATE DATABASE {pg_db}"],
            check=True,
        )
        env["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{pg_db}"
        labels.append(f"PostgreSQL ({pg_db})")
    if args.redis:
        env["REDIS_URL"] = redis_url
        labels.append(f"Redis ({redis_url})")
        manage(env, FLUSH_REDIS_DB.format(url=redis_url))
    server = None
    requests = {"visitor_new": 0, "visitor_all": 0}
    try:
        subprocess.run(
            [PY, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True
        )
        manage(env, SEED)
        setup = manage(env, SETUP_CHECK)

        port = free_port()
        gunicorn = shutil.which("gunicorn", path=str(Path(PY).parent)) or "gunicorn"
        server = subprocess.Popen(
            [
                gunicorn,
                "mlm.wsgi:application",
                "--workers",
                "2",
                "--bind",
                f"127.0.0.1:{port}",
                "--log-level",
                "warning",
                "--keep-alive",
                "5",
            ],
            cwd=ROOT,
            env=env,
            start_new_session=True,
        )
        wait_for(port)
        status, headers, body = get(port, PATHS["landing"])
        head = {k.lower(): v for k, v in headers}
        assert status == 200 and b"Anna Albers" in body, (status, body[:300])
        assert head.get("cache-control", "").startswith("public, max-age="), head
        assert "set-cookie" not in head and "Cookie" not in head.get("vary", ""), head
        assert b"csrfmiddlewaretoken" not in body
        assert get(port, PATHS["bare"])[0] == 200
        cookie = returning_visitor(port)
        requests["visitor_new"] += 1
        requests["visitor_all"] += 2
        assert get(port, PATHS["landing"], {"Cookie": cookie})[2] == body  # same bytes
        tool = "wrk" if shutil.which("wrk") else "python"
        load = run_wrk if tool == "wrk" else run_python_load
        for kind, path in PATHS.items():  # warm-up: imports, templates, cache, connections
            made = load(port, path, 1, connections, cookie)[1]
            requests["visitor_all"] += made if kind == "visitor" else 0
        print(
            f"gunicorn 2 sync workers on 127.0.0.1:{port}, {tool}, {connections} connections, "
            f"{rounds} rounds of {seconds}s per figure, bare / landing HTML / visitor request "
            "alternating" + (f"; {', '.join(labels)}" if labels else "; SQLite (embedded)")
        )
        print(f"  database: {setup}")
        for label, cookie_header in (("new visitors", ""), ("returning visitor", cookie)):
            figures = {k: [] for k in PATHS}
            cpu = {k: [] for k in PATHS}
            ratios = {"landing": [], "visitor": []}
            for _ in range(rounds):
                for kind, path in PATHS.items():
                    cpu_before = worker_cpu_seconds(server.pid)
                    rps, made = load(port, path, seconds, connections, cookie_header)
                    cpu_after = worker_cpu_seconds(server.pid)
                    figures[kind].append(rps)
                    if cpu_before is not None and cpu_after is not None and made:
                        cpu[kind].append((cpu_after - cpu_before) / made * 1000)
                    if kind == "visitor":
                        requests["visitor_all"] += made
                        requests["visitor_new"] += 0 if cookie_header else made
                for kind in ratios:
                    ratios[kind].append(figures[kind][-1] / figures["bare"][-1] * 100)
            rps = {k: statistics.median(v) for k, v in figures.items()}
            print(f"  {label}: bare view {rps['bare']:.0f} req/s")
            for kind, name in (("landing", "landing HTML"), ("visitor", "visitor request")):
                line = (
                    f"    {name:16s} {rps[kind]:7.0f} req/s   {statistics.median(ratios[kind]):5.1f} % "
                    "of bare (rounds: " + ", ".join(f"{r:.0f}" for r in ratios[kind]) + ")"
                )
                if cpu["bare"] and cpu[kind]:
                    cb, ck = statistics.median(cpu["bare"]), statistics.median(cpu[kind])
                    line += f"; worker CPU/request {ck:.2f} ms vs bare {cb:.2f} ms ({cb / ck * 100:.0f} %)"
                print(line)
        print(f"  landing HTML {len(body) / 1024:.1f} KiB (bare view 2 bytes)")
    finally:
        if server is not None:
            os.killpg(server.pid, signal.SIGTERM)
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
    try:
        if server is not None and requests["visitor_all"]:
            sessions, visits = map(int, manage(env, COUNT).split())
            print(
                f"  work done: {sessions} session(s) in the database (the returning visitor's; "
                f"{requests['visitor_new']} visitor requests without cookies made none); "
                f"{visits} visits counted for {requests['visitor_all']} visitor requests "
                "(wrk leaves out those in flight at its end)"
            )
    finally:
        if args.redis:
            manage(env, FLUSH_REDIS_DB.format(url=redis_url))
        if args.postgres:
            drop = [
                "psql",
                "-h",
                "127.0.0.1",
                "-U",
                "postgres",
                "-qc",
                f"DROP DATABASE IF EXISTS {pg_db}",
            ]
            try:  # waits until every backend of the server takes a signal: bounded
                subprocess.run(drop, check=False, timeout=60)
            except subprocess.TimeoutExpired:
                print(f"  note: database {pg_db} is not dropped yet; later: {' '.join(drop)}")
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
