"""A partner and a customer who went through every feature of the product
(orders, a refund, a withdrawal, a subscription with its collected debit,
statements, credit note, two payout runs under four eyes, bank statements,
campaigns, notifications, webhooks, consent, exports, invoices) are erased: the
erasure completes, the database keeps no trace of them outside the records
retention law keeps (restricted), and the books add up as before. The same
scenario runs on PostgreSQL in CI (tests/integration/test_lifecycle_erasure_postgres.py)."""

import pytest
from django.core.cache import cache

from . import lifecycle

pytestmark = pytest.mark.django_db


def test_a_partner_and_a_customer_who_used_everything_are_erased_without_a_trace(
    clock, django_capture_on_commit_callbacks, monkeypatch
):
    cache.clear()  # checkout and cancellation limits count in the cache

    def after_commit():
        return django_capture_on_commit_callbacks(execute=True)

    world = lifecycle.seed(clock=clock, after_commit=after_commit, monkeypatch=monkeypatch)
    lifecycle.erase_and_check(world, after_commit=after_commit)
