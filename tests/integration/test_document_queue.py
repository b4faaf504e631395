"""On a real worker (Redis broker, PostgreSQL): a paid order's volume is applied
while a burst of invoice e-mails queued before it is still being drawn and sent,
because documents have their own queue (mlm/settings.py, CELERY_TASK_ROUTES).
On one queue the volume waited behind every PDF (0.34 s each)."""

import time
from decimal import Decimal

import pytest
from django.utils import timezone

from invoices.models import Invoice, InvoiceMail
from invoices.tasks import invoice_mail_send
from orders.services import order_mark_paid
from qualification.models import PartnerPeriodStats, PendingVolume
from qualification.services import period_for, plan_load
from tests.factories import OrderFactory, PartnerFactory
from tests.integration.test_volume_worker import PLAN, wait_until_applied

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("worker_drained"),
]

BURST = 40


def test_a_paid_orders_volume_does_not_wait_for_the_invoice_e_mails_queued_before_it(
    monkeypatch,
):
    plan_load(data=PLAN)
    anna = PartnerFactory()
    # the burst's invoices, their e-mails held back so they can be queued all at once
    monkeypatch.setattr("invoices.tasks.invoice_mail_enqueue", lambda invoice_id: None)
    for _ in range(BURST):
        order_mark_paid(order=OrderFactory(qv_total=Decimal("10.00")))
    monkeypatch.undo()
    wait_until_applied()
    assert InvoiceMail.objects.filter(sent_at__isnull=True).count() == BURST
    for invoice_id in Invoice.objects.values_list("pk", flat=True):
        invoice_mail_send.delay(invoice_id)

    started = time.monotonic()
    order_mark_paid(order=OrderFactory(attributed_partner=anna, qv_total=Decimal("75.00")))
    wait_until_applied(timeout=60)
    seconds = time.monotonic() - started

    # anna's volume is there while most of the burst's e-mails are still owed
    stats = PartnerPeriodStats.objects.get(partner=anna, period=period_for(at=timezone.now()))
    assert stats.pv == Decimal("75.00")
    owed = InvoiceMail.objects.filter(sent_at__isnull=True).count()
    assert owed > BURST // 2, f"volume took {seconds:.1f} s; only {owed} e-mails still owed"
    assert not PendingVolume.objects.exists()
