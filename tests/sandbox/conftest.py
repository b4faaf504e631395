"""The commissions tests' helpers (a small plan, sales with CV, English messages)."""

from tests.commissions.conftest import admin_client, committed, english, plan, sell  # noqa: F401
