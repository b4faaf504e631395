"""Embedded mode: concurrent writers on the SQLite file wait for each other
instead of failing with "database is locked" (a transaction that read first and
then writes cannot be rescued by a busy timeout; it must start as a writer)."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = """
import threading, time, django
django.setup()
from django.db import connection, transaction

with connection.cursor() as cursor:
    cursor.execute("CREATE TABLE stock (n INTEGER)")
connection.close()
errors = []

def submit():
    try:
        with transaction.atomic():  # like order_place: read the products, then insert
            with connection.cursor() as cursor:
                cursor.execute("SELECT count(*) FROM stock")
                time.sleep(0.05)
                cursor.execute("INSERT INTO stock VALUES (1)")
    except Exception as exc:
        errors.append(repr(exc))
    finally:
        connection.close()

threads = [threading.Thread(target=submit) for _ in range(10)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
with connection.cursor() as cursor:
    cursor.execute("SELECT count(*) FROM stock")
    print(cursor.fetchone()[0], errors)
"""


def test_ten_concurrent_read_then_write_transactions_all_succeed_on_sqlite(tmp_path):
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DATABASE_URL", "DJANGO_ENV", "REDIS_URL", "CELERY_BROKER_URL")
    }
    env.update(
        DJANGO_SETTINGS_MODULE="mlm.settings", DATABASE_URL=f"sqlite:///{tmp_path / 'shop.db'}"
    )
    result = subprocess.run(  # noqa: S603 - our own script, run by this interpreter
        [sys.executable, "-c", SCRIPT],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "10 []"
