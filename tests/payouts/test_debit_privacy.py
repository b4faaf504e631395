"""Mandates are personal data kept as evidence: an erasure restricts them
until the retention ends (at least 14 months after the last collection), then
the daily scrub empties them."""

from datetime import date

import pytest

from payouts.models import DebitMandate
from privacy.models import Restriction
from privacy.services import person_erase, retention_scrub_expired
from tests.factories import CustomerFactory, UserFactory

from .test_debit_collections import mandate_for

pytestmark = pytest.mark.django_db


def test_an_erased_customers_mandate_is_kept_restricted_then_scrubbed():
    customer = CustomerFactory(email="klara@example.org")
    mandate = mandate_for(customer)
    DebitMandate.objects.filter(pk=mandate.pk).update(evidence_date=date(2026, 12, 30))
    person_erase(
        subject_kind="customer",
        subject_id=customer.pk,
        actor=UserFactory(is_staff=True),
        today=date(2027, 1, 5),
    )
    mandate.refresh_from_db()
    assert (mandate.account_holder, mandate.iban) == ("Klara Kunde", "DE89370400440532013000")
    restriction = Restriction.objects.get(model_label="payouts.DebitMandate", object_id=mandate.pk)
    # last collection 30.12.2026: kept well beyond 14 months (28.02.2028)
    assert restriction.retain_until == date(2028, 12, 31)
    assert restriction.retain_until > date(2028, 2, 28)

    retention_scrub_expired(today=date(2028, 12, 31))
    mandate.refresh_from_db()
    assert mandate.iban == "DE89370400440532013000"
    retention_scrub_expired(today=date(2029, 1, 1))
    mandate.refresh_from_db()
    assert mandate.iban == "" and mandate.bic == ""
    assert mandate.account_holder != "Klara Kunde"
    assert mandate.mandate_text and mandate.reference  # the wording and id are no personal data
