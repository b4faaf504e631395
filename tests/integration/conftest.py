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
