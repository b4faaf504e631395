"""The admin pages of direct debit collections, mandates and returns."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from orders.models import Order
from payouts.models import DebitCollection, OrderDebit
from payouts.sepa import collection_date_earliest
from payouts.services import (
    debit_collection_approve,
    debit_collection_prepare,
    debit_collection_submit,
)
from tests.factories import CustomerFactory, UserFactory

from .test_debit_collections import debit_for, mandate_for

pytestmark = pytest.mark.django_db


def staff_in(*groups):
    user = UserFactory(is_staff=True)
    user.groups.add(*Group.objects.filter(name__in=groups))
    return user


def test_finance_prepares_the_approver_approves_downloads_and_submits(client):
    day = collection_date_earliest(today=timezone.localdate())
    debit = debit_for(mandate_for(CustomerFactory()), due=day)
    client.force_login(staff_in("Finance"))
    page = client.get("/admin/payouts/debitcollection/prepare/", HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200 and 'type="date"' in page.content.decode()
    response = client.post(
        "/admin/payouts/debitcollection/prepare/", {"collection_date": day.isoformat()}
    )
    collection = DebitCollection.objects.get()
    assert response.status_code == 302 and response.url.endswith(f"/{collection.pk}/change/")

    action = {"action": "approve", "_selected_action": [collection.pk]}
    client.post("/admin/payouts/debitcollection/", action)
    collection.refresh_from_db()
    assert collection.status == DebitCollection.Status.PREPARED  # Finance may not approve

    client.force_login(staff_in("Finance approver"))
    client.post("/admin/payouts/debitcollection/", action)
    collection.refresh_from_db()
    assert collection.status == DebitCollection.Status.APPROVED
    sepa = client.get(f"/admin/payouts/debitcollection/{collection.pk}/sepa.xml")
    assert sepa.status_code == 200 and sepa.content == bytes(collection.sepa_xml)
    page = client.get(f"/admin/payouts/debitcollection/{collection.pk}/change/").content.decode()
    assert collection.sepa_sha256 in page and debit.order.number in page

    client.post(
        "/admin/payouts/debitcollection/",
        {"action": "mark_submitted", "_selected_action": [collection.pk]},
    )
    collection.refresh_from_db()
    debit.refresh_from_db()
    assert collection.status == DebitCollection.Status.SUBMITTED
    assert debit.status == OrderDebit.Status.SUBMITTED


def test_a_weekend_date_is_refused_on_the_field(admin_client):
    day = timezone.localdate()
    while day.weekday() != 5:
        day += timedelta(days=1)
    response = admin_client.post(
        "/admin/payouts/debitcollection/prepare/",
        {"collection_date": day.isoformat()},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400
    assert "no TARGET2 business day" in response.content.decode()
    assert not DebitCollection.objects.exists()


def test_mandates_show_their_text_and_a_masked_iban(admin_client):
    mandate = mandate_for(CustomerFactory())
    page = admin_client.get(f"/admin/payouts/debitmandate/{mandate.pk}/change/").content.decode()
    assert mandate.reference in page and "Ich ermächtige" in page
    assert "DE89370400440532013000" not in page and "DE89 **** **** **** **30 00" in page


def test_an_admin_records_a_return_with_its_reason(admin_client):
    day = collection_date_earliest(today=timezone.localdate())
    debit = debit_for(mandate_for(CustomerFactory()), due=day)
    preparer = UserFactory(is_staff=True, is_superuser=True)
    approver = UserFactory(is_staff=True, is_superuser=True)
    collection = debit_collection_prepare(collection_date=day, actor=preparer)
    debit_collection_approve(collection=collection, actor=approver)
    debit_collection_submit(collection=collection, actor=approver)
    url = "/admin/payouts/orderdebit/"
    form = admin_client.post(url, {"action": "mark_returned", "_selected_action": [debit.pk]})
    assert form.status_code == 200 and "MD06" in form.content.decode()
    admin_client.post(
        url,
        {"action": "mark_returned", "_selected_action": [debit.pk], "apply": "1", "reason": "MD06"},
    )
    debit.refresh_from_db()
    assert (debit.status, debit.return_reason) == (OrderDebit.Status.RETURNED, "MD06")
    assert Order.objects.get(pk=debit.order_id).status == Order.Status.CANCELLED
