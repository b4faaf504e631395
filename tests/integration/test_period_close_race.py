"""Closing a period while checkouts book volume into it (PostgreSQL row locks):
no entry may land in a period after its final recompute."""

import threading
import time
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import transaction
from django.utils import translation

from orders.services import order_mark_paid
from qualification.models import PartnerPeriodStats, PendingVolume, Period, VolumeEntry
from qualification.services import period_close, period_current_open, period_for
from tests.factories import OrderFactory, PartnerFactory
from tests.integration.threads import in_thread

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("worker_drained"),
]

OCT = datetime(2026, 10, 10, 12, tzinfo=ZoneInfo("Europe/Berlin"))


def test_a_close_waits_for_a_booking_in_flight_and_counts_it():
    anna = PartnerFactory()
    order = OrderFactory(attributed_partner=anna, qv_total=Decimal("64.00"))
    october = period_for(at=OCT)
    booked, commit = threading.Event(), threading.Event()

    def checkout():
        with transaction.atomic():
            order_mark_paid(order=order, paid_at=OCT)
            booked.set()
            commit.wait(10)

    checkout_thread, checkout_errors = in_thread(checkout)
    assert booked.wait(10)
    close_thread, close_errors = in_thread(lambda: period_close(period=october))
    time.sleep(1.0)
    assert close_thread.is_alive(), "the close must wait for the booking in flight"

    commit.set()
    checkout_thread.join(10)
    close_thread.join(30)
    assert not checkout_errors and not close_errors

    october.refresh_from_db()
    assert october.status == Period.Status.CLOSED
    assert VolumeEntry.objects.get().period == october
    assert PartnerPeriodStats.objects.get(partner=anna, period=october).pv == Decimal("64.00")
    assert not PendingVolume.objects.filter(period=october).exists()


def test_a_booking_that_meets_a_close_in_progress_goes_to_the_open_period():
    anna = PartnerFactory()
    order = OrderFactory(attributed_partner=anna, qv_total=Decimal("31.00"))
    october = period_for(at=OCT)
    current = period_current_open()

    with transaction.atomic():
        # What period_close holds while it recomputes: FOR UPDATE on the period.
        Period.objects.select_for_update().get(pk=october.pk)
        Period.objects.filter(pk=october.pk).update(status=Period.Status.CLOSED)
        checkout_thread, errors = in_thread(lambda: order_mark_paid(order=order, paid_at=OCT))
        time.sleep(1.0)
        assert checkout_thread.is_alive(), "the booking waits for the close"
    checkout_thread.join(30)
    assert not errors

    entry = VolumeEntry.objects.get()
    assert entry.period == current != october


def test_an_admins_close_runs_on_the_worker_and_a_second_click_is_refused():
    from django.core.exceptions import ValidationError

    from qualification.models import PeriodClose
    from qualification.services import period_close_request

    anna = PartnerFactory()
    order_mark_paid(order=OrderFactory(attributed_partner=anna), paid_at=OCT)
    october = period_for(at=OCT)

    [close] = period_close_request(periods=[october])  # autocommit: sent to the worker
    # Refused whether the worker is still at it or has closed it already.
    with translation.override("en"), pytest.raises(ValidationError, match="closed already"):
        period_close_request(periods=[october])

    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        close.refresh_from_db()
        if not close.is_active:
            break
        time.sleep(0.2)
    assert close.status == PeriodClose.Status.DONE, close.message
    october.refresh_from_db()
    assert october.status == Period.Status.CLOSED
    assert close.started_at <= october.closed_at <= close.finished_at
