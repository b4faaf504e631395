"""The partner's payouts page does not contradict itself: a payable amount while
details are missing says what it waits for, and months read "November 2026"."""

import re

import pytest
from django.test import Client

from tests.payouts.conftest import profile_make, statement_make

pytestmark = pytest.mark.django_db


def page_of(partner, language="de") -> str:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(partner.user)
    html = client.get("/dashboard/payouts/").content.decode()
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).replace("\xa0", " ")


def test_a_payable_amount_without_bank_details_waits_for_them(anna):
    from payouts.services import payout_items_sync

    statement_make(anna, period="2026-11", payout="647.17")
    payout_items_sync()

    de, en = page_of(anna, "de"), page_of(anna, "en")

    assert "Wir können Ihnen noch keine Provisionen auszahlen" in de
    assert "November 2026 647,17 € wartet auf Ihre Bankdaten" in de
    assert "auszahlbar" not in de
    assert "2026-11" not in de
    assert "November 2026 647.17 € waiting for your bank details" in en


def test_a_payable_amount_with_complete_details_goes_into_the_next_run(anna):
    from payouts.services import payout_items_sync

    profile_make(anna)
    profile = anna.payout_profile
    profile.hold_until = None
    profile.save(update_fields=["hold_until"])
    statement_make(anna, period="2026-11", payout="647.17")
    payout_items_sync()

    de = page_of(anna, "de")

    assert "November 2026 647,17 € auszahlbar: mit dem nächsten Auszahlungslauf" in de
