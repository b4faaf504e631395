#!/usr/bin/env python
"""Landing page throughput against a bare Django view on the same server.

Prepares its own SQLite database (migrate, one partner, ten products) in a
temporary directory, starts gunicorn (2 sync workers) on 127.0.0.1 at a free
port with BENCH_BARE_VIEW=1 (which routes /__bench__/bare/, a view returning
"ok" through the full middleware stack), and measures requests/s with wrk when
installed, else with a bounded keep-alive load script. Everything stays on
127.0.0.1 and stops by itself.

Scenarios (each: bare view, then the landing page):
  new visitors       no cookies: every landing request stores the referral in a
                     new session (a DB insert), as a first visit from a link does;
  returning visitor  one session cookie: the referral is already in the session.

    .venv/bin/python bench/landing.py [--seconds 5] [--rounds 3] [--connections 16] [--redis-sessions]
"""

# ruff: noqa: S603 - runs our own commands (manage.py, gunicorn, wrk) with fixed arguments
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


def run_wrk(port: int, path: str, seconds: int, connections: int, cookie: str = "") -> float:
    cmd = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency"]
    if cookie:
        cmd += ["-H", f"Cookie: {cookie}"]
    out = subprocess.run(
        [*cmd, f"http://127.0.0.1:{port}{path}"],
        capture_output=True,
        text=True,
        timeout=seconds + 30,
    )
    match = re.search(r"Requests/sec:\s+([\d.]+)", out.stdout)
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out.stdout)
    if non2xx:
        print(f"    warning: {non2xx.group(1)} non-2xx responses on {path}")
    return float(match.group(1)) if match else 0.0


def run_python_load(
    port: int, path: str, seconds: int, connections: int, cookie: str = ""
) -> float:
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
    return sum(counts) / (time.monotonic() - start)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--redis-sessions",
        action="store_true",
        help="what-if: page cache and sessions in Redis (127.0.0.1:6379, db 13, keys prefixed)",
    )
    args = parser.parse_args()
    rounds = max(1, min(args.rounds, 5))
    seconds = max(1, min(args.seconds, 30))
    connections = max(1, min(args.connections, 64))

    tmp = Path(tempfile.mkdtemp(prefix="bench-landing-"))
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp / 'bench.sqlite3'}",
        "DEBUG": "0",
        "LOG_LEVEL": "WARNING",
        "BENCH_BARE_VIEW": "1",
        "MEDIA_ROOT": str(tmp / "media"),
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    env.pop("REDIS_URL", None)
    env.pop("CELERY_BROKER_URL", None)
    extra_label = ""
    if args.redis_sessions:
        (tmp / "bench_settings.py").write_text(
            "from mlm.settings import *  # noqa: F403\n"
            "CACHES['default']['KEY_PREFIX'] = 'bench-landing'\n"
            "SESSION_ENGINE = 'django.contrib.sessions.backends.cache'\n"
        )
        env.update(
            REDIS_URL="redis://127.0.0.1:6379/13",
            DJANGO_SETTINGS_MODULE="bench_settings",
            PYTHONPATH=f"{tmp}{os.pathsep}{env.get('PYTHONPATH', '')}",
        )
        extra_label = "; what-if: Redis cache and Redis sessions"
    subprocess.run([PY, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
    subprocess.run([PY, "manage.py", "shell", "-c", SEED], cwd=ROOT, env=env, check=True)

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
    try:
        wait_for(port)
        status, headers, body = get(port, "/anna/")
        assert status == 200 and b"Anna Albers" in body, (status, body[:300])
        assert get(port, "/__bench__/bare/")[0] == 200
        cookie = "; ".join(v.split(";")[0] for k, v in headers if k.lower() == "set-cookie")
        tool = "wrk" if shutil.which("wrk") else "python"
        load = run_wrk if tool == "wrk" else run_python_load
        for path in ("/__bench__/bare/", "/anna/"):  # warm-up: imports, templates, cache
            load(port, path, 1, connections)
        print(
            f"gunicorn 2 workers on 127.0.0.1:{port}, {tool}, {connections} connections, "
            f"{rounds} alternating rounds of {seconds}s per figure, median req/s{extra_label}"
        )
        for label, cookie_header in (("new visitors", ""), ("returning visitor", cookie)):
            bare_runs, landing_runs = [], []
            for _ in range(rounds):  # alternate, so background load hits both alike
                bare_runs.append(
                    load(port, "/__bench__/bare/", seconds, connections, cookie_header)
                )
                landing_runs.append(load(port, "/anna/", seconds, connections, cookie_header))
            bare, landing = statistics.median(bare_runs), statistics.median(landing_runs)
            print(
                f"  {label:18s} bare view {bare:8.0f} req/s   landing page {landing:8.0f} req/s   "
                f"ratio {landing / bare * 100 if bare else 0:5.1f} %"
            )
        print(f"  landing page size {len(body) / 1024:.1f} KiB (bare view 2 bytes)")
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
