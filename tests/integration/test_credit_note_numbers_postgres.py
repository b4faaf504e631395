"""Two payout runs approved at the same moment by two admins (PostgreSQL row
locks): credit note numbers stay gapless and unique (commissions.md §5)."""

import threading
import time
from datetime import date
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.db import connection, transaction
from django.utils import timezone

from commissions.models import Statement
from payouts.models import CreditNote, PayoutProfile, PayoutRun
from payouts.services import payout_items_sync, payout_run_approve, payout_run_prepare
from qualification.models import Period
from tests.factories import PartnerFactory, UserFactory

# The worker must be idle before the database is flushed after each test (a task
# holding locks would make the flush deadlock).
pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("worker_drained"),
]


def in_thread(target):
    errors = []

    def run():
        try:
            target()
        except Exception as exc:  # noqa: BLE001 - reported by the test
            errors.append(exc)
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread, errors


def admin_with(codename):
    user = UserFactory(is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename=codename))
    return user


def partners_with_payouts(count: int, period: Period) -> None:
    for _ in range(count):
        partner = PartnerFactory()
        PayoutProfile.objects.create(
            partner=partner,
            account_holder=partner.full_name,
            iban="DE89370400440532013000",
            street="Lindenweg 5",
            postal_code="50667",
            city="Köln",
            country="DE",
            tax_status="small_business",
            tax_number="2181508150",
        )
        Statement.objects.create(
            period=period, partner=partner, total=Decimal("10.00"), payout=Decimal("10.00")
        )
    payout_items_sync()


def two_prepared_runs():
    period = Period.objects.create(start=date(2026, 10, 1), status=Period.Status.CLOSED)
    preparer = admin_with("prepare_payoutrun")
    partners_with_payouts(3, period)
    first = payout_run_prepare(actor=preparer)
    # Preparing again adds to a run still waiting for approval (four eyes over every
    # preparer); the counter race needs two runs, so the first is set aside meanwhile.
    PayoutRun.objects.filter(pk=first.pk).update(status=PayoutRun.Status.CANCELLED)
    partners_with_payouts(3, period)
    second = payout_run_prepare(actor=preparer)
    PayoutRun.objects.filter(pk=first.pk).update(status=first.status)
    assert second.pk != first.pk
    return first, second


def test_two_concurrent_approvals_draw_gapless_unique_numbers():
    first, second = two_prepared_runs()
    anna_admin, ben_admin = admin_with("approve_payoutrun"), admin_with("approve_payoutrun")
    issued, commit = threading.Event(), threading.Event()

    def approve_first():
        with transaction.atomic():
            payout_run_approve(run=first, actor=anna_admin)
            issued.set()
            commit.wait(10)  # hold the counter row while the other approval starts

    first_thread, first_errors = in_thread(approve_first)
    assert issued.wait(20)
    second_thread, second_errors = in_thread(
        lambda: payout_run_approve(run=second, actor=ben_admin)
    )
    time.sleep(1.0)
    assert second_thread.is_alive(), "the second approval must wait for the counter row"
    commit.set()
    first_thread.join(20)
    second_thread.join(20)
    assert not first_errors and not second_errors

    numbers = sorted(CreditNote.objects.values_list("number", flat=True))
    assert numbers == [f"GS-{timezone.localdate().year}-{n:06d}" for n in range(1, 7)]
    assert set(PayoutRun.objects.values_list("status", flat=True)) == {"approved"}


def test_an_approval_that_rolls_back_leaves_no_gap():
    first, second = two_prepared_runs()
    anna_admin, ben_admin = admin_with("approve_payoutrun"), admin_with("approve_payoutrun")
    issued, go_on = threading.Event(), threading.Event()

    def approve_then_fail():
        with transaction.atomic():
            payout_run_approve(run=first, actor=anna_admin)
            issued.set()
            go_on.wait(10)
            raise RuntimeError("the SEPA upload failed; roll back")

    first_thread, first_errors = in_thread(approve_then_fail)
    assert issued.wait(20)
    second_thread, second_errors = in_thread(
        lambda: payout_run_approve(run=second, actor=ben_admin)
    )
    time.sleep(1.0)
    go_on.set()
    first_thread.join(20)
    second_thread.join(20)
    assert len(first_errors) == 1 and not second_errors

    numbers = sorted(CreditNote.objects.values_list("number", flat=True))
    assert numbers == [f"GS-{timezone.localdate().year}-{n:06d}" for n in range(1, 4)]
    first.refresh_from_db()
    assert first.status == "prepared"
