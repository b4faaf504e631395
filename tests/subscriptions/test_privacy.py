"""Subscriptions are personal data: in the export, and erasing the customer
ends and scrubs them."""

import io
import json
import zipfile
from datetime import date

from privacy.services import person_erase, person_export
from subscriptions.models import Subscription


def test_erasing_a_customer_cancels_and_scrubs_their_subscriptions(subscribe):
    subscription = subscribe(today=date(2026, 1, 10), first_date=date(2026, 1, 20))
    person_erase(subject_kind="customer", subject_id=subscription.customer_id)
    subscription.refresh_from_db()
    assert subscription.status == Subscription.Status.CANCELLED
    assert subscription.first_name != "Kim" and "kim@example.org" not in subscription.email
    assert subscription.street == ""


def test_export_contains_the_subscription(subscribe):
    subscription = subscribe(today=date(2026, 1, 10), first_date=date(2026, 1, 20))
    data = person_export(subject_kind="customer", subject_id=subscription.customer_id)
    names = zipfile.ZipFile(io.BytesIO(data)).namelist()
    found = [n for n in names if "subscription" in n.lower() and n.endswith(".json")]
    assert found
    content = json.loads(zipfile.ZipFile(io.BytesIO(data)).read(found[0]))
    assert "Lindenweg 5" in json.dumps(content)
