import pytest
from django.test import Client
from django.utils import translation

from tests.factories import PartnerFactory

IBAN = "DE89370400440532013000"
IBAN_2 = "DE02120300000000202051"
PASSWORD = "correct-horse-battery"


def profile_data(**overrides) -> dict:
    data = {
        "account_holder": "Anna Albers",
        "iban": "DE89 3704 0044 0532 0130 00",
        "bic": "",
        "company_name": "",
        "street": "Lindenweg 5",
        "postal_code": "50667",
        "city": "Köln",
        "country": "DE",
        "tax_status": "small_business",
        "tax_number": "21/815/08150",
        "vat_id": "",
        "password": PASSWORD,
    }
    data.update(overrides)
    return data


@pytest.fixture
def anna(db):
    return PartnerFactory(slug="anna", first_name="Anna", last_name="Albers")


@pytest.fixture
def anna_client(anna):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(anna.user)
    return client


@pytest.fixture(autouse=True)
def english():
    # Messages are asserted in English; German is the site's default.
    with translation.override("en"):
        yield


def statement_make(partner, *, period: str = "2026-10", payout: str = "123.45"):
    """A closed period's statement paying `payout` (as commissions' close writes it)."""
    from datetime import date
    from decimal import Decimal

    from commissions.models import Statement
    from qualification.models import Period

    year, month = (int(x) for x in period.split("-"))
    found, _ = Period.objects.get_or_create(
        start=date(year, month, 1), defaults={"status": Period.Status.CLOSED}
    )
    return Statement.objects.create(
        period=found, partner=partner, total=Decimal(payout), payout=Decimal(payout)
    )


def profile_make(partner, **overrides):
    from payouts.services import payout_profile_save

    data = profile_data(**overrides)
    return payout_profile_save(partner=partner, actor=partner.user, **data)


@pytest.fixture
def item_for():
    """item_for(partner, payout="123.45", **profile overrides) -> PayoutItem."""
    from payouts.models import PayoutItem
    from payouts.services import payout_items_sync

    def make(partner, *, payout="123.45", period="2026-10", profile=True, **overrides):
        if profile:
            profile_make(partner, **overrides)
        statement = statement_make(partner, period=period, payout=payout)
        payout_items_sync()
        return PayoutItem.objects.get(statement=statement)

    return make
