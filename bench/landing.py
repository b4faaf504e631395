#!/usr/bin/env python
"""Landing page throughput against a bare Django view on the same server.

Prepares its own database (migrate, one partner, ten products) - SQLite in a
temporary directory set up like the embedded default (WAL, synchronous=NORMAL,
persistent connections; checked and printed), or with --postgres a PostgreSQL
database of its own that it drops afterwards - starts gunicorn (2 sync workers)
on 127.0.0.1 at a free port with BENCH_BARE_VIEW=1 (which routes
/__bench__/bare/, a view returning "ok" through the same middleware stack as
every page), and measures requests/s with wrk when installed, else with a
bounded keep-alive load script. Everything stays on 127.0.0.1 and stops by itself.

Scenarios (each: bare view and landing page, alternating round by round):
  new visitors       no cookies: every landing request stores the referral in a
                     new session (a database INSERT), as a first visit from a link does;
  returning visitor  the cookies of a first visit (session and CSRF): the referral
                     is in the session already, the consent banner still asks.

Both do everything the product does on a real visit: partner lookup (404 for
paused partners, cache stamp), referral in the session, visit counted, cached
page with the visitor's own CSRF token, cart count and consent banner. After the
runs the script counts the sessions and visits in the database against the
requests wrk made, so a fast figure cannot come from skipped work.

Figures: the median over the rounds of requests/s, and of the landing/bare
ratio taken within each round (a pair runs back to back, so load from other
processes on the machine hits both alike); on Linux also the CPU time of the
gunicorn workers per request (less sensitive to that load than requests/s).

    .venv/bin/python bench/landing.py [--seconds 5] [--rounds 3] [--connections 16]
                                      [--postgres] [--redis] [--redis-sessions]

--redis           the page cache in Redis (127.0.0.1:6379, db 13, keys prefixed with
                  a name of this run and deleted afterwards);
                  sessions then use the cached_db store as in production (read
                  from Redis, written through to the database);
--redis-sessions  what-if: sessions only in Redis (cache backend, no database row);
--postgres        PostgreSQL at 127.0.0.1:5432 instead of SQLite
                  (--postgres --redis is the production set-up).
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

DELETE_REDIS_KEYS = """
import redis
r = redis.Redis.from_url("{url}")
keys = list(r.scan_iter(match="{prefix}:*", count=1000))
for i in range(0, len(keys), 1000):
    r.delete(*keys[i : i + 1000])
"""

COUNT = """
from django.contrib.sessions.models import Session
from django.db.models import Sum
from landing.models import LandingVisitDay
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


def get(port: int, path: str, headers=None) -> tuple[int, dict, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("GET", path, headers=headers or {})
    resp = conn.getresponse()
    body = resp.read()
    conn.close()
    return resp.status, resp.getheaders(), body


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


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--redis", action="store_true")
    parser.add_argument("--redis-sessions", action="store_true")
    args = parser.parse_args()
    rounds = max(1, min(args.rounds, 9))
    seconds = max(1, min(args.seconds, 30))
    connections = max(1, min(args.connections, 64))

    tmp = Path(tempfile.mkdtemp(prefix="bench-landing-"))
    pg_db = f"bench_landing_{os.getpid()}"
    redis_url, redis_prefix = "redis://127.0.0.1:6379/13", f"bench-landing-{os.getpid()}"
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp / 'bench.sqlite3'}",
        "DEBUG": "0",
        "LOG_LEVEL": "WARNING",
        "BENCH_BARE_VIEW": "1",
        "MEDIA_ROOT": str(tmp / "media"),
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    for name in ("REDIS_URL", "CELERY_BROKER_URL", "SESSION_ENGINE", "DJANGO_SETTINGS_MODULE"):
        env.pop(name, None)
    labels = []
    if args.postgres:
        subprocess.run(
            ["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", f"CREATE DATABASE {pg_db}"],
            check=True,
        )
        env["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{pg_db}"
        labels.append("PostgreSQL")
    if args.redis or args.redis_sessions:
        settings_py = (
            "from mlm.settings import *  # noqa: F403\n"
            f"CACHES['default']['KEY_PREFIX'] = '{redis_prefix}'\n"
        )
        if args.redis_sessions:
            settings_py += "SESSION_ENGINE = 'django.contrib.sessions.backends.cache'\n"
        (tmp / "bench_settings.py").write_text(settings_py)
        env.update(
            REDIS_URL=redis_url,
            DJANGO_SETTINGS_MODULE="bench_settings",
            PYTHONPATH=f"{tmp}{os.pathsep}{env.get('PYTHONPATH', '')}",
        )
        labels.append(
            "Redis cache" + (", sessions only in Redis (what-if)" if args.redis_sessions else "")
        )
    server = None
    # A new database: no sessions or visits yet. Every landing request is counted:
    # those without cookies (each must create a session) and all (each a visit).
    landing_requests = {"new": 0, "all": 0}
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
        status, headers, body = get(port, "/anna/")
        landing_requests["new"] += 1
        landing_requests["all"] += 1
        assert status == 200 and b"Anna Albers" in body, (status, body[:300])
        assert b'name="csrfmiddlewaretoken"' in body and b"consent-banner" in body
        assert get(port, "/__bench__/bare/")[0] == 200
        cookie = "; ".join(v.split(";")[0] for k, v in headers if k.lower() == "set-cookie")
        assert "sessionid=" in cookie and "csrftoken=" in cookie, cookie
        tool = "wrk" if shutil.which("wrk") else "python"
        load = run_wrk if tool == "wrk" else run_python_load
        for path in ("/__bench__/bare/", "/anna/"):  # warm-up: imports, templates, cache
            made = load(port, path, 1, connections, cookie)[1]
            landing_requests["all"] += made if path == "/anna/" else 0
        print(
            f"gunicorn 2 sync workers on 127.0.0.1:{port}, {tool}, {connections} connections, "
            f"{rounds} rounds of {seconds}s per figure, bare and landing alternating"
            + (f"; {', '.join(labels)}" if labels else "")
        )
        print(f"  database: {setup}")
        for label, cookie_header in (("new visitors", ""), ("returning visitor", cookie)):
            figures = {"bare": [], "landing": []}
            cpu = {"bare": [], "landing": []}
            ratios = []
            for _ in range(rounds):
                for kind, path in (("bare", "/__bench__/bare/"), ("landing", "/anna/")):
                    cpu_before = worker_cpu_seconds(server.pid)
                    rps, made = load(port, path, seconds, connections, cookie_header)
                    cpu_after = worker_cpu_seconds(server.pid)
                    figures[kind].append(rps)
                    if cpu_before is not None and cpu_after is not None and made:
                        cpu[kind].append((cpu_after - cpu_before) / made * 1000)
                    if kind == "landing":
                        landing_requests["all"] += made
                        landing_requests["new"] += 0 if cookie_header else made
                ratios.append(figures["landing"][-1] / figures["bare"][-1] * 100)
            bare, landing = (statistics.median(figures[k]) for k in ("bare", "landing"))
            line = (
                f"  {label:18s} bare view {bare:7.0f} req/s   landing page {landing:7.0f} req/s   "
                f"ratio {statistics.median(ratios):5.1f} % (rounds: "
                + ", ".join(f"{r:.0f}" for r in ratios)
                + ")"
            )
            if cpu["bare"] and cpu["landing"]:
                cb, cl = (statistics.median(cpu[k]) for k in ("bare", "landing"))
                line += f"\n  {'':18s} worker CPU per request: bare {cb:.2f} ms, landing {cl:.2f} ms ({cb / cl * 100:.0f} %)"
            print(line)
        print(f"  landing page size {len(body) / 1024:.1f} KiB (bare view 2 bytes)")
    finally:
        if server is not None:
            os.killpg(server.pid, signal.SIGTERM)  # workers flush their visit counts on exit
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
    try:
        if server is not None and landing_requests["all"]:
            sessions, visits = map(int, manage(env, COUNT).split())
            sessions_text = (
                "sessions live only in Redis"
                if args.redis_sessions
                else f"{sessions} sessions in the database for {landing_requests['new']} "
                "landing requests without cookies"
            )
            print(
                f"  work done: {sessions_text}; {visits} visits counted for "
                f"{landing_requests['all']} landing requests (wrk leaves out those in flight at its end)"
            )
    finally:
        if args.redis or args.redis_sessions:
            manage(env, DELETE_REDIS_KEYS.format(url=redis_url, prefix=redis_prefix))
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
