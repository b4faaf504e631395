import contextlib
import io
from decimal import Decimal

import pytest
from pypdf import PdfReader

from orders.models import PartnerCodeBenefit
from orders.services import order_place
from tests.factories import PartnerFactory, ProductFactory

D = Decimal

CUSTOMER = {
    "email": "karla@example.org",
    "first_name": "Karla",
    "last_name": "Kundin",
    "street": "Lindenweg 5",
    "postal_code": "10115",
    "city": "Berlin",
    "country": "DE",
    "partner_code": "",
}
BUSINESS = {**CUSTOMER, "company_name": "Kundin Kosmetik GmbH", "vat_id": "DE 129 273 398"}


@pytest.fixture(autouse=True)
def _english_messages(settings):
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def soap(db):
    return ProductFactory(
        name="Seife Lavendel", price=D("12.50"), vat_rate=D("19.00"), sort_order=1
    )


@pytest.fixture
def tea(db):
    return ProductFactory(name="Kräutertee", price=D("8.99"), vat_rate=D("7.00"), sort_order=2)


@pytest.fixture
def anna(db):
    return PartnerFactory(slug="anna", first_name="Anna", last_name="Albers")


@pytest.fixture
def code_benefit(db):
    return PartnerCodeBenefit.objects.create(percent=D("10"), first_order_only=False)


@pytest.fixture
def place(soap, tea):
    def make(*, customer=None, language="de", soaps=2, teas=1, code=""):
        data = {**(customer or CUSTOMER), "partner_code": code}
        lines = {soap.pk: soaps, tea.pk: teas} if teas else {soap.pk: soaps}
        return order_place(cart_lines=lines, customer_data=data, language=language)

    return make


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    @contextlib.contextmanager
    def run():
        with django_capture_on_commit_callbacks(execute=True):
            yield

    return run


def pdf_text(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(bytes(content)))
    text = "\n".join(page.extract_text() for page in reader.pages)
    return text.replace("\u00a0", " ")  # the PDF keeps "12,50 €" together


def embedded_xml(content: bytes) -> bytes | None:
    reader = PdfReader(io.BytesIO(bytes(content)))
    found = reader.attachments.get("factur-x.xml")
    return found[0] if found else None


def with_document(invoice):
    """The invoice with its PDF and XML, made as its e-mail or a download makes them."""
    from invoices.services import invoice_with_document

    return invoice_with_document(invoice=invoice)
