"""A production-like server for the shop benchmarks (bench/intake.py, bench/checkout.py).

PostgreSQL (a database of the bench's own, created and dropped), Redis (cache, sessions
and broker in one database the bench empties before and after: give it one of your own),
DJANGO_ENV=production with DEBUG off, TLS ended at a (pretend) proxy on 127.0.0.1, and
gunicorn with 2 sync workers on a port of the bench, with BENCH_BARE_VIEW=1 for the bare
views to compare against. No Celery worker runs: what the shop enqueues stays in the
broker's list (the cost a request pays is the enqueue). Everything stays on 127.0.0.1.
"""

# ruff: noqa: S603, S607 - runs our own commands (manage.py, gunicorn, psql) with fixed arguments
import http.client
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable

FLUSH_REDIS_DB = """
import redis
redis.Redis.from_url("{url}").flushdb()
"""

# Created by the bench: the bare DRF POST inserts one row into it (orders.api_bench).
BARE_TABLE = """
from django.db import connection
with connection.cursor() as c:
    c.execute("CREATE TABLE IF NOT EXISTS bench_bare_row (id bigserial PRIMARY KEY, "
              "created_at timestamptz NOT NULL DEFAULT now(), body jsonb NOT NULL)")
"""

DB_COUNTERS = """
from django.db import connection
with connection.cursor() as c:
    c.execute("SELECT xact_commit, tup_inserted, tup_updated FROM pg_stat_database "
              "WHERE datname = current_database()")
    print(*c.fetchone())
"""


def free_port(first: int, last: int) -> int:
    for port in range(first, last + 1):
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise SystemExit(f"no free port in {first}-{last}")


def wait_for(port: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("gunicorn did not start")


def psql(sql: str, timeout: float | None = None) -> None:
    subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", sql], check=True, timeout=timeout
    )


class Stack:
    """`with Stack(db=..., redis_url=..., ports=(8201, 8209)) as stack:` migrate, seed
    (`seed` code run in `manage.py shell`), gunicorn; stops and drops it all afterwards."""

    def __init__(self, *, db: str, redis_url: str, ports: tuple[int, int], env: dict | None = None):
        if not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", db):
            raise SystemExit("database name: lowercase letters, digits and _ only")
        self.db, self.redis_url, self.ports = db, redis_url, ports
        self.tmp = Path(tempfile.mkdtemp(prefix="bench-stack-"))
        self.env = {
            **os.environ,
            "DJANGO_ENV": "production",
            "DEBUG": "0",
            "SECRET_KEY": secrets.token_urlsafe(64),
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "SITE_URL": "https://127.0.0.1",
            "CSRF_TRUSTED_ORIGINS": "https://127.0.0.1",
            "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{db}",
            "REDIS_URL": redis_url,
            "CELERY_BROKER_URL": redis_url,
            "TLS_TERMINATED_AT_PROXY": "true",
            "TRUSTED_PROXIES": "127.0.0.1",
            "LOG_LEVEL": "WARNING",
            "BENCH_BARE_VIEW": "1",
            "MEDIA_ROOT": str(self.tmp / "media"),
            "PRIVATE_MEDIA_ROOT": str(self.tmp / "private"),
            "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
            "PYTHONDONTWRITEBYTECODE": "1",
            **(env or {}),
        }
        self.env.pop("DJANGO_SETTINGS_MODULE", None)
        self.server = None
        self.port = 0

    def run(self, code: str) -> str:
        """What `code` prints in `manage.py shell` with the server's settings."""
        return subprocess.run(
            [PY, "manage.py", "shell", "-v0", "-c", code],
            cwd=ROOT,
            env=self.env,
            check=True,
            capture_output=True,
            text=True,
        ).stdout

    def manage(self, code: str) -> str:
        """Last line printed by `code` in `manage.py shell` with the server's settings."""
        lines = self.run(code).strip().splitlines()
        return lines[-1] if lines else ""

    def db_counters(self) -> tuple[int, int, int]:
        """Commits, rows inserted, rows updated in the bench's database so far
        (pg_stat_database; the statistics collector lags ~0.5 s behind)."""
        time.sleep(0.7)
        commits, inserted, updated = map(int, self.manage(DB_COUNTERS).split())
        return commits, inserted, updated

    def __enter__(self):
        psql(f"DROP DATABASE IF EXISTS {self.db}")
        psql(f"CREATE DATABASE {self.db}")
        self.manage(FLUSH_REDIS_DB.format(url=self.redis_url))
        subprocess.run(
            [PY, "manage.py", "collectstatic", "--noinput", "-v0"],
            cwd=ROOT,
            env=self.env,
            check=True,
        )
        subprocess.run(
            [PY, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=self.env, check=True
        )
        self.manage(BARE_TABLE)
        return self

    def start(self) -> int:
        self.port = free_port(*self.ports)
        gunicorn = shutil.which("gunicorn", path=str(Path(PY).parent)) or "gunicorn"
        self.server = subprocess.Popen(
            [
                gunicorn,
                "mlm.wsgi:application",
                "--workers",
                "2",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--log-level",
                "warning",
                "--keep-alive",
                "5",
                "--forwarded-allow-ips",
                "127.0.0.1",
            ],
            cwd=ROOT,
            env=self.env,
            start_new_session=True,
        )
        wait_for(self.port)
        return self.port

    def stop(self) -> None:
        if self.server is not None:
            os.killpg(self.server.pid, signal.SIGTERM)
            try:
                self.server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.server.pid, signal.SIGKILL)
            self.server = None

    def worker_cpu_seconds(self) -> float | None:
        """User + system CPU time of the gunicorn workers so far (Linux /proc), else None."""
        if self.server is None:
            return None
        pid = self.server.pid
        try:
            children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
            total = 0
            for child in children:
                fields = Path(f"/proc/{child}/stat").read_text().rsplit(")", 1)[1].split()
                total += int(fields[11]) + int(fields[12])
            return total / os.sysconf("SC_CLK_TCK")
        except (OSError, ValueError, IndexError):
            return None

    def __exit__(self, *exc):
        self.stop()
        try:
            self.manage(FLUSH_REDIS_DB.format(url=self.redis_url))
        finally:
            try:  # waits until every backend of the server takes a signal: bounded
                psql(f"DROP DATABASE IF EXISTS {self.db}", timeout=60)
            except (subprocess.TimeoutExpired, subprocess.CalledProcessError):
                print(f"  note: database {self.db} is not dropped yet")
            shutil.rmtree(self.tmp, ignore_errors=True)


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile (p50, p95) of `values`."""
    ordered = sorted(values)
    if not ordered:
        return 0.0
    rank = max(1, round(share * len(ordered) + 0.4999))
    return ordered[min(rank, len(ordered)) - 1]


def closed_loop(port: int, seconds: float, clients: int, request) -> tuple[float, list[float], int]:
    """`clients` threads, each with one keep-alive connection, call `request(conn, i, n)`
    (which returns True for an expected answer) back to back for `seconds`.
    Returns (successful calls per second, latencies in ms, unexpected answers)."""
    stop = time.monotonic() + seconds
    latencies: list[list[float]] = [[] for _ in range(clients)]
    failures = [0] * clients

    def worker(i: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        n = 0
        while time.monotonic() < stop:
            n += 1
            started = time.perf_counter()
            try:
                ok = request(conn, i, n)
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                ok = False
            if ok:
                latencies[i].append((time.perf_counter() - started) * 1000)
            else:
                failures[i] += 1
        conn.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(clients)]
    start = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    took = time.monotonic() - start
    flat = [ms for per in latencies for ms in per]
    return len(flat) / took, flat, sum(failures)
