"""The integration suite runs against the real services (.ci/run sets them up).
Running it on the embedded SQLite would prove nothing, so that is an error."""

import pytest
from django.conf import settings


@pytest.hookimpl(trylast=True)  # after -m has deselected what does not run
def pytest_collection_modifyitems(config, items):
    if any(item.get_closest_marker("integration") for item in items):
        engine = settings.DATABASES["default"]["ENGINE"]
        if not engine.endswith("postgresql"):
            raise pytest.UsageError(
                f"integration tests need PostgreSQL (DATABASE_URL); the database is {engine}"
            )


@pytest.fixture
def worker_drained():
    """After the test, wait until the Celery worker has no task queued or running,
    so the test database is not flushed under a task that still holds locks."""
    yield
    import time

    import redis
    from django.conf import settings as django_settings

    from mlm.celery import app

    broker = redis.Redis.from_url(django_settings.CELERY_BROKER_URL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        inspect = app.control.inspect(timeout=1)
        busy = [
            task
            for replies in ((inspect.active() or {}), (inspect.reserved() or {}))
            for tasks in replies.values()
            for task in tasks
        ]
        if not busy and not broker.llen("celery"):
            return
        time.sleep(0.2)
    pytest.fail("the Celery worker was still busy 60 s after the test")
