import io
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from lxml import etree
from pypdf import PdfReader

from payouts.documents import (
    NOTE_REVERSE_CHARGE,
    NOTE_SMALL_BUSINESS,
    credit_note_amounts,
    document_title,
)
from payouts.models import CreditNote, PayoutItem, TaxStatus
from payouts.services import credit_note_cancel, credit_note_issue, payout_items_sync
from tests.einvoice import schematron_errors
from tests.factories import PartnerFactory, UserFactory
from tests.pdfa import pdfa3_problems

from .conftest import statement_make

pytestmark = pytest.mark.django_db
Y = timezone.localdate().year  # credit note numbers count per calendar year
D = Decimal
RSM = "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"
RAM = "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"

REGULAR = {"tax_status": "regular", "tax_number": "", "vat_id": "DE136695976"}
REVERSE = {
    "tax_status": "reverse_charge",
    "country": "AT",
    "tax_number": "",
    "vat_id": "ATU13585627",
}


@pytest.fixture
def admin():
    return UserFactory(is_staff=True)


@pytest.mark.parametrize(
    ("net", "vat", "gross"),
    [
        ("100.00", "19.00", "119.00"),
        ("0.05", "0.01", "0.06"),  # 0.0095 -> 0.01 (half-up)
        ("10.50", "2.00", "12.50"),  # 1.995 -> 2.00 (half-up, not banker's)
        ("123.45", "23.46", "146.91"),  # 23.4555
        ("0.02", "0.00", "0.02"),  # 0.0038
    ],
)
def test_regular_vat_is_rate_times_payout_rounded_half_up(net, vat, gross):
    amounts = credit_note_amounts(net=D(net), tax_status=TaxStatus.REGULAR, vat_rate=D("19"))
    assert (amounts.vat, amounts.gross, amounts.tax_note) == (D(vat), D(gross), "")


def test_small_business_and_reverse_charge_carry_no_vat_and_their_note():
    small = credit_note_amounts(net=D("100"), tax_status="small_business", vat_rate=D("19"))
    assert (small.vat, small.gross, small.tax_note) == (D("0"), D("100.00"), NOTE_SMALL_BUSINESS)
    assert "§ 19 UStG" in small.tax_note
    rc = credit_note_amounts(net=D("100"), tax_status="reverse_charge", vat_rate=D("19"))
    assert (rc.vat, rc.gross) == (D("0"), D("100.00"))
    assert rc.tax_note == "Steuerschuldnerschaft des Leistungsempfängers" == NOTE_REVERSE_CHARGE


def test_vat_rate_follows_the_setting(settings):
    settings.COMMISSION_VAT_RATE = D("7")
    amounts = credit_note_amounts(net=D("100"), tax_status="regular", vat_rate=D("7"))
    assert amounts.vat == D("7.00")


def pdf_text(note) -> str:
    pages = PdfReader(io.BytesIO(bytes(note.pdf))).pages
    return "\n".join(page.extract_text() for page in pages).replace("\xa0", " ")


def test_credit_note_pdf_carries_every_field_of_section_5(item_for, admin):
    anna = PartnerFactory(slug="anna", first_name="Anna", last_name="Albers")
    note = credit_note_issue(item=item_for(anna, **REGULAR), actor=admin)
    text = pdf_text(note)
    for expected in [
        "Gutschrift",
        f"GS-{Y}-000001",
        # company: name and address, VAT id
        "Lumen Naturkosmetik",
        "Musterstraße 1",
        "80331 München",
        "DE136695976",
        # partner: name and address, tax id
        "Anna Albers",
        "Lindenweg 5",
        "50667 Köln",
        "USt-IdNr.: DE136695976",
        # issue date, service and period
        "Ausstellungsdatum:",
        "Vermittlungsleistungen",
        "Leistungszeitraum: 01.10.2026 bis 31.10.2026",
        # net, VAT rate and amount, gross
        "Nettobetrag 123,45 €",
        "Umsatzsteuer 19 % 23,46 €",
        "146,91 €",
        "§ 14 Abs. 2 Satz 2 UStG",
    ]:
        assert expected in text, expected
    assert (note.net, note.vat_rate, note.vat, note.gross) == (
        D("123.45"),
        D("19.00"),
        D("23.46"),
        D("146.91"),
    )


def test_small_business_pdf_says_no_vat_under_section_19(item_for, admin):
    anna = PartnerFactory(slug="anna")
    note = credit_note_issue(item=item_for(anna), actor=admin)
    text = pdf_text(note)
    assert "Gemäß § 19 UStG wird keine Umsatzsteuer berechnet." in text
    assert "Steuernummer: 2181508150" in text
    assert note.gross == D("123.45") and note.vat == 0


def test_reverse_charge_pdf_names_both_vat_ids(item_for, admin):
    anna = PartnerFactory(slug="anna")
    note = credit_note_issue(item=item_for(anna, **REVERSE), actor=admin)
    text = pdf_text(note)
    assert "Steuerschuldnerschaft des Leistungsempfängers" in text
    assert "ATU13585627" in text and "DE136695976" in text
    assert note.gross == note.net == D("123.45")


def test_einvoice_xml_is_embedded_type_389_and_valid_for_en16931(item_for, admin):
    from drafthorse.utils import validate_xml

    anna = PartnerFactory(slug="anna")
    note = credit_note_issue(item=item_for(anna, **REGULAR), actor=admin)
    reader = PdfReader(io.BytesIO(bytes(note.pdf)))
    embedded = reader.attachments["factur-x.xml"][0]
    assert embedded == bytes(note.xml)
    validate_xml(xmlout=embedded, schema="FACTUR-X_EN16931")
    tree = etree.fromstring(embedded)
    ns = {"rsm": RSM, "ram": RAM}
    assert tree.findtext("rsm:ExchangedDocument/ram:TypeCode", namespaces=ns) == "389"
    assert tree.findtext("rsm:ExchangedDocument/ram:ID", namespaces=ns) == note.number
    seller = tree.find(".//ram:SellerTradeParty", ns)
    assert seller.findtext("ram:Name", namespaces=ns) == anna.full_name
    assert tree.findtext(".//ram:GrandTotalAmount", namespaces=ns) == "146.91"
    assert tree.findtext(".//ram:ApplicableTradeTax/ram:CategoryCode", namespaces=ns) == "S"


def test_numbers_are_gapless_per_calendar_year(item_for, admin):
    from datetime import date

    partners = [PartnerFactory() for _ in range(3)]
    items = [item_for(p) for p in partners]
    first = credit_note_issue(item=items[0], actor=admin, issue_date=date(2026, 12, 31))
    second = credit_note_issue(item=items[1], actor=admin, issue_date=date(2026, 12, 31))
    third = credit_note_issue(item=items[2], actor=admin, issue_date=date(2027, 1, 1))
    assert [first.number, second.number, third.number] == [
        "GS-2026-000001",
        "GS-2026-000002",
        "GS-2027-000001",
    ]


def test_a_failed_issue_gives_its_number_back(item_for, admin):
    from django.db import transaction

    anna, ben = PartnerFactory(), PartnerFactory()
    item = item_for(anna)
    try:
        with transaction.atomic():
            credit_note_issue(item=item, actor=admin)
            raise RuntimeError("approval failed later")
    except RuntimeError:
        pass
    assert credit_note_issue(item=item_for(ben), actor=admin).number == f"GS-{Y}-000001"


def test_an_item_gets_one_credit_note_only(item_for, admin):
    item = item_for(PartnerFactory())
    credit_note_issue(item=item, actor=admin)
    with pytest.raises(ValidationError):
        credit_note_issue(item=item, actor=admin)
    assert CreditNote.objects.count() == 1


def test_incomplete_profile_gets_no_credit_note(item_for, admin):
    item = item_for(PartnerFactory(), account_holder="")
    with pytest.raises(ValidationError):
        credit_note_issue(item=item, actor=admin)
    assert not CreditNote.objects.exists()


def test_cancelling_credit_note_has_its_own_number_and_negative_amounts(item_for, admin):
    item = item_for(PartnerFactory(), **REGULAR)
    note = credit_note_issue(item=item, actor=admin)
    original_pdf = bytes(note.pdf)
    with pytest.raises(ValidationError):
        credit_note_cancel(note=note, actor=admin, reason=" ")
    cancelling = credit_note_cancel(note=note, actor=admin, reason="falscher Steuerstatus")
    assert cancelling.number == f"GS-{Y}-000002"
    assert cancelling.cancels == note and cancelling.kind == "cancellation"
    assert (cancelling.net, cancelling.vat, cancelling.gross) == (
        D("-123.45"),
        D("-23.46"),
        D("-146.91"),
    )
    from drafthorse.utils import validate_xml

    validate_xml(xmlout=bytes(cancelling.xml), schema="FACTUR-X_EN16931")
    tree = etree.fromstring(bytes(cancelling.xml))
    ns = {"rsm": RSM, "ram": RAM}
    assert tree.findtext("rsm:ExchangedDocument/ram:TypeCode", namespaces=ns) == "261"
    text = pdf_text(cancelling)
    assert "Stornogutschrift" in text and f"Storniert die Gutschrift Nr. GS-{Y}-000001" in text
    note.refresh_from_db()
    assert bytes(note.pdf) == original_pdf  # the original is never changed
    item.refresh_from_db()
    assert item.credit_note is None  # the next run issues a correct one
    with pytest.raises(ValidationError):
        credit_note_cancel(note=note, actor=admin, reason="again")
    with pytest.raises(ValidationError):
        credit_note_cancel(note=cancelling, actor=admin, reason="storno of storno")


def test_items_are_made_once_for_statements_with_a_payout():
    anna, ben = PartnerFactory(), PartnerFactory()
    statement_make(anna, payout="50.00")
    statement_make(ben, payout="0")
    assert payout_items_sync() == 1
    assert payout_items_sync() == 0
    item = PayoutItem.objects.get()
    assert (item.partner, item.net, item.status) == (anna, D("50.00"), "payable")


def test_partner_downloads_own_credit_notes_only(item_for, admin):
    from django.test import Client

    anna, ben = PartnerFactory(slug="anna"), PartnerFactory(slug="ben")
    note = credit_note_issue(item=item_for(anna), actor=admin)
    anna_client, ben_client = Client(), Client()
    anna_client.force_login(anna.user)
    ben_client.force_login(ben.user)
    url = f"/dashboard/payouts/credit-notes/{note.number}.pdf"
    response = anna_client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content == bytes(note.pdf)
    xml = anna_client.get(f"/dashboard/payouts/credit-notes/{note.number}.xml")
    assert xml.content == bytes(note.xml)
    assert ben_client.get(url).status_code == 404
    assert anna_client.get(f"/dashboard/payouts/credit-notes/{note.number}.exe").status_code == 404
    page = anna_client.get("/dashboard/payouts/").content.decode()
    assert note.number in page


def test_admin_downloads_credit_notes_and_cannot_edit_them(item_for, admin_client):
    admin = UserFactory(is_staff=True)
    note = credit_note_issue(item=item_for(PartnerFactory()), actor=admin)
    response = admin_client.get(f"/admin/payouts/creditnote/file/{note.number}.pdf")
    assert response.status_code == 200 and response.content == bytes(note.pdf)
    assert admin_client.get("/admin/payouts/creditnote/").status_code == 200
    change = admin_client.post(f"/admin/payouts/creditnote/{note.pk}/change/", {"net": "1"})
    assert change.status_code == 403
    delete = admin_client.post(f"/admin/payouts/creditnote/{note.pk}/delete/", {"post": "yes"})
    assert delete.status_code == 403
    assert CreditNote.objects.get().net == D("123.45")


def test_admin_cancels_a_credit_note_with_a_reason(item_for, admin_client):
    admin = UserFactory(is_staff=True)
    note = credit_note_issue(item=item_for(PartnerFactory()), actor=admin)
    url = "/admin/payouts/creditnote/"
    form = admin_client.post(url, {"action": "cancel", "_selected_action": [note.pk]})
    assert form.status_code == 200
    admin_client.post(
        url,
        {"action": "cancel", "_selected_action": [note.pk], "apply": "1", "reason": "Tippfehler"},
    )
    cancelling = CreditNote.objects.get(cancels=note)
    assert cancelling.number == f"GS-{Y}-000002" and cancelling.gross == -note.gross


def test_closing_a_period_makes_its_payout_items_after_commit(django_capture_on_commit_callbacks):
    from payouts.receivers import items_after_close
    from qualification.events import period_closing
    from qualification.models import Period

    uid = "payouts_items_after_close"
    assert period_closing.disconnect(dispatch_uid=uid)  # it listens to the close
    period_closing.connect(items_after_close, dispatch_uid=uid)
    anna = PartnerFactory()
    with django_capture_on_commit_callbacks(execute=True):
        statement = statement_make(anna, payout="75.00")
        items_after_close(sender=Period, period=statement.period)
        assert not PayoutItem.objects.exists()  # not before the close commits
    assert PayoutItem.objects.get().statement == statement


@pytest.mark.parametrize(
    ("overrides", "category", "reason_code"),
    [
        (REGULAR, "S", None),
        ({}, "E", None),
        (REVERSE, "AE", "VATEX-EU-AE"),
    ],
)
def test_einvoice_xml_carries_the_vat_category_of_each_tax_status(
    item_for, admin, overrides, category, reason_code
):
    from drafthorse.utils import validate_xml

    note = credit_note_issue(item=item_for(PartnerFactory(), **overrides), actor=admin)
    validate_xml(xmlout=bytes(note.xml), schema="FACTUR-X_EN16931")
    tree = etree.fromstring(bytes(note.xml))
    ns = {"ram": RAM}
    tax = tree.find(".//ram:ApplicableHeaderTradeSettlement/ram:ApplicableTradeTax", ns)
    assert tax.findtext("ram:CategoryCode", namespaces=ns) == category
    assert tax.findtext("ram:ExemptionReasonCode", namespaces=ns) == reason_code
    assert tax.findtext("ram:CalculatedAmount", namespaces=ns) == str(note.vat)
    if category != "S":
        assert tax.findtext("ram:ExemptionReason", namespaces=ns)


@pytest.mark.parametrize("overrides", [REGULAR, {}, REVERSE], ids=["regular", "small", "reverse"])
def test_credit_note_and_its_cancellation_pass_the_official_en16931_rules(
    item_for, admin, overrides
):
    note = credit_note_issue(item=item_for(PartnerFactory(), **overrides), actor=admin)
    cancelling = credit_note_cancel(note=note, actor=admin, reason="falscher Steuerstatus")

    assert schematron_errors(bytes(note.xml)) == []
    assert schematron_errors(bytes(cancelling.xml)) == []


def test_a_partner_with_only_a_tax_number_is_identified_by_the_partner_number(item_for, admin):
    anna = PartnerFactory(slug="anna", external_id="P-1001")
    note = credit_note_issue(item=item_for(anna), actor=admin)  # Steuernummer, no VAT id
    seller = etree.fromstring(bytes(note.xml)).find(".//ram:SellerTradeParty", {"ram": RAM})

    assert seller.findtext("ram:ID", namespaces={"ram": RAM}) == "P-1001"  # BT-29
    assert not [e for e in schematron_errors(bytes(note.xml)) if e.startswith("[BR-CO-26]")]


def test_a_cancelling_credit_note_references_the_note_it_cancels(item_for, admin):
    from datetime import date

    item = item_for(PartnerFactory(), **REGULAR)
    note = credit_note_issue(item=item, actor=admin, issue_date=date(2026, 11, 3))
    cancelling = credit_note_cancel(note=note, actor=admin, reason="Tippfehler")
    ns = {"ram": RAM, "qdt": "urn:un:unece:uncefact:data:standard:QualifiedDataType:100"}
    reference = etree.fromstring(bytes(cancelling.xml)).find(
        ".//ram:ApplicableHeaderTradeSettlement/ram:InvoiceReferencedDocument", ns
    )

    assert reference is not None
    assert reference.findtext("ram:IssuerAssignedID", namespaces=ns) == note.number  # BT-25
    assert (
        reference.findtext("ram:FormattedIssueDateTime/qdt:DateTimeString", namespaces=ns)
        == "20261103"  # BT-26
    )


def test_credit_note_pdf_is_pdfa3_with_the_einvoice_as_its_associated_file(item_for, admin):
    note = credit_note_issue(item=item_for(PartnerFactory(), **REGULAR), actor=admin)
    cancelling = credit_note_cancel(note=note, actor=admin, reason="Tippfehler")

    for document in (note, cancelling):
        pdf = bytes(document.pdf)
        assert pdfa3_problems(pdf) == []
        reader = PdfReader(io.BytesIO(pdf))
        root = reader.trailer["/Root"]
        intent = root["/OutputIntents"][0].get_object()
        assert (intent["/S"], intent["/OutputConditionIdentifier"]) == ("/GTS_PDFA1", "sRGB")
        spec = root["/AF"][0].get_object()
        assert (spec["/UF"], spec["/AFRelationship"]) == ("factur-x.xml", "/Alternative")
        assert reader.attachments["factur-x.xml"][0] == bytes(document.xml)
        xmp = root["/Metadata"].get_object().get_data().decode()
        assert "<fx:ConformanceLevel>EN 16931</fx:ConformanceLevel>" in xmp
        assert f'<rdf:li xml:lang="x-default">{document_title(document)} {document.number}' in xmp
