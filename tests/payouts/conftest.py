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
