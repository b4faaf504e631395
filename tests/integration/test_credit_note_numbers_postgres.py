"""A payout run approved while another admin cancels a credit note (PostgreSQL
row locks): both draw from the one counter, and credit note numbers stay
gapless and unique (commissions.md §5), also when the approval rolls back."""

import threading
import time
from datetime import date
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.db import transaction
from django.utils import timezone

from commissions.models import Statement
from payouts.models import CreditNote, PayoutProfile, PayoutRun
from payouts.services import (
    credit_note_cancel,
    payout_items_sync,
    payout_run_approve,
    payout_run_mark_paid,
    payout_run_prepare,
)
from qualification.models import Period
from tests.factories import PartnerFactory, UserFactory
from tests.integration.threads import in_thread

# The worker must be idle before the database is flushed after each test (a task
# holding locks would make the flush deadlock).
pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("worker_drained"),
]


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


def a_paid_run_and_a_prepared_one():
    """Three partners paid by an approved, paid run (GS-…-000001 to 000003), and
    a second run prepared for three more: its approval and the cancellation of a
    note of the first run draw from the one counter, each in its own admin's
    transaction."""
    period = Period.objects.create(start=date(2026, 10, 1), status=Period.Status.CLOSED)
    preparer = admin_with("prepare_payoutrun")
    partners_with_payouts(3, period)
    paid = payout_run_approve(
        run=payout_run_prepare(actor=preparer), actor=admin_with("approve_payoutrun")
    )
    paid = payout_run_mark_paid(run=paid, actor=admin_with("approve_payoutrun"))
    partners_with_payouts(3, period)
    prepared = payout_run_prepare(actor=preparer)
    assert prepared.pk != paid.pk and prepared.status == PayoutRun.Status.PREPARED
    note = CreditNote.objects.filter(item__entries__run=paid).order_by("pk").first()
    return prepared, note


def test_an_approval_and_a_cancellation_at_once_draw_gapless_unique_numbers():
    run, note = a_paid_run_and_a_prepared_one()
    anna_admin, ben_admin = admin_with("approve_payoutrun"), admin_with("approve_payoutrun")
    issued, commit = threading.Event(), threading.Event()

    def approve():
        with transaction.atomic():
            payout_run_approve(run=run, actor=anna_admin)
            issued.set()
            commit.wait(10)  # hold the counter row while the cancellation starts

    first_thread, first_errors = in_thread(approve)
    assert issued.wait(20)
    second_thread, second_errors = in_thread(
        lambda: credit_note_cancel(note=note, actor=ben_admin, reason="wrong period")
    )
    time.sleep(1.0)
    assert second_thread.is_alive(), "the cancellation must wait for the counter row"
    commit.set()
    first_thread.join(20)
    second_thread.join(20)
    assert not first_errors and not second_errors

    numbers = sorted(CreditNote.objects.values_list("number", flat=True))
    assert numbers == [f"GS-{timezone.localdate().year}-{n:06d}" for n in range(1, 8)]
    cancelling = CreditNote.objects.get(cancels=note)
    assert cancelling.number == f"GS-{timezone.localdate().year}-000007"
    assert set(PayoutRun.objects.values_list("status", flat=True)) == {"paid", "approved"}


def test_an_approval_that_rolls_back_leaves_no_gap():
    run, note = a_paid_run_and_a_prepared_one()
    anna_admin, ben_admin = admin_with("approve_payoutrun"), admin_with("approve_payoutrun")
    issued, go_on = threading.Event(), threading.Event()

    def approve_then_fail():
        with transaction.atomic():
            payout_run_approve(run=run, actor=anna_admin)
            issued.set()
            go_on.wait(10)
            raise RuntimeError("the SEPA upload failed; roll back")

    first_thread, first_errors = in_thread(approve_then_fail)
    assert issued.wait(20)
    second_thread, second_errors = in_thread(
        lambda: credit_note_cancel(note=note, actor=ben_admin, reason="wrong period")
    )
    time.sleep(1.0)
    go_on.set()
    first_thread.join(20)
    second_thread.join(20)
    assert len(first_errors) == 1 and not second_errors

    numbers = sorted(CreditNote.objects.values_list("number", flat=True))
    assert numbers == [f"GS-{timezone.localdate().year}-{n:06d}" for n in range(1, 5)]
    run.refresh_from_db()
    assert run.status == "prepared"
