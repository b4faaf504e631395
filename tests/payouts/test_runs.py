import hashlib
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
import xmlschema
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from lxml import etree

from payouts.models import (
    BankTransaction,
    CreditNote,
    PayoutItem,
    PayoutLog,
    PayoutProfile,
    PayoutRun,
    PayoutRunEntry,
)
from payouts.selectors import payout_run_left_out
from payouts.services import (
    bank_statement_import,
    payout_item_release,
    payout_item_return,
    payout_run_approve,
    payout_run_cancel,
    payout_run_mark_paid,
    payout_run_prepare,
)
from tests.factories import PartnerFactory, UserFactory

from .conftest import IBAN_2, PASSWORD, profile_make

pytestmark = pytest.mark.django_db
Y = timezone.localdate().year  # credit note numbers count per calendar year
D = Decimal
XSD = Path(__file__).parent / "data" / "pain.001.001.09.xsd"
NS = {"p": "urn:iso:std:iso:20022:tech:xsd:pain.001.001.09"}
REGULAR = {"tax_status": "regular", "tax_number": "", "vat_id": "DE136695976"}


def admin_with(*codenames):
    user = UserFactory(is_staff=True)
    user.user_permissions.add(*Permission.objects.filter(codename__in=codenames))
    return user


@pytest.fixture
def preparer():
    return admin_with("prepare_payoutrun")


@pytest.fixture
def approver():
    return admin_with("approve_payoutrun")


@pytest.fixture
def two_items(item_for):
    anna = PartnerFactory(slug="anna", first_name="Anna", last_name="Albers")
    ben = PartnerFactory(slug="ben", first_name="Ben", last_name="Brandt")
    return item_for(anna, payout="100.00", **REGULAR), item_for(ben, payout="50.00")


def test_prepare_takes_complete_profiles_and_lists_the_rest(item_for, preparer):
    ready = item_for(PartnerFactory(slug="anna"), payout="100.00")
    incomplete = item_for(PartnerFactory(slug="carl"), account_holder="", street="")
    no_profile = item_for(PartnerFactory(slug="dora"), profile=False)
    run = payout_run_prepare(actor=preparer)
    assert [e.item for e in run.entries.all()] == [ready]
    assert run.total == D("100.00")
    skipped = {s["slug"]: s["missing"] for s in payout_run_left_out(run=run)}
    assert set(skipped) == {"carl", "dora"}
    # The run keeps ids, not names: an erasure of Carl has nothing to find here.
    assert {s["partner_id"] for s in run.skipped} == {incomplete.partner_id, no_profile.partner_id}
    assert not {"partner", "name"} & {key for s in run.skipped for key in s}
    assert "The account holder, exactly as your bank knows it." in skipped["carl"]
    for item in (incomplete, no_profile):
        item.refresh_from_db()
        assert item.status == PayoutItem.Status.PAYABLE
    ready.refresh_from_db()
    assert ready.status == PayoutItem.Status.IN_RUN


def test_prepare_respects_the_iban_change_hold(item_for, preparer):
    anna = PartnerFactory(slug="anna")
    item_for(anna)
    profile_make(anna, iban=IBAN_2, password=PASSWORD)  # changed: held for 3 days
    with pytest.raises(ValidationError):
        payout_run_prepare(actor=preparer)
    PayoutProfile.objects.filter(partner=anna).update(
        hold_until=timezone.now() - timedelta(seconds=1)
    )
    run = payout_run_prepare(actor=preparer)
    assert run.entries.count() == 1


def test_approval_drops_a_partner_whose_iban_changed_after_preparing(two_items, preparer, approver):
    anna_item, ben_item = two_items
    run = payout_run_prepare(actor=preparer)
    profile_make(ben_item.partner, iban=IBAN_2, password=PASSWORD)
    run = payout_run_approve(run=run, actor=approver)
    ben_item.refresh_from_db()
    assert ben_item.status == PayoutItem.Status.PAYABLE and ben_item.credit_note is None
    assert run.entries.get(item=ben_item).outcome == PayoutRunEntry.Outcome.REMOVED
    assert run.total == D("119.00")


def test_preparing_and_approving_need_their_permissions(two_items, preparer, approver):
    with pytest.raises(PermissionDenied):
        payout_run_prepare(actor=approver)
    run = payout_run_prepare(actor=preparer)
    other_preparer = admin_with("prepare_payoutrun")
    with pytest.raises(PermissionDenied):
        payout_run_approve(run=run, actor=other_preparer)


def test_four_eyes_the_preparer_can_never_approve_their_own_run(two_items):
    boss = UserFactory(is_staff=True, is_superuser=True)
    run = payout_run_prepare(actor=boss)
    with pytest.raises(ValidationError) as exc:
        payout_run_approve(run=run, actor=boss)
    assert "another admin has to approve it" in exc.value.messages[0]
    run.refresh_from_db()
    assert run.status == PayoutRun.Status.PREPARED
    assert not CreditNote.objects.exists()


def test_approval_issues_credit_notes_and_a_valid_sepa_file(two_items, preparer, approver):
    anna_item, ben_item = two_items
    run = payout_run_approve(run=payout_run_prepare(actor=preparer), actor=approver)
    assert run.status == PayoutRun.Status.APPROVED and run.approved_by == approver
    anna_item.refresh_from_db()
    ben_item.refresh_from_db()
    assert anna_item.credit_note.number == f"GS-{Y}-000001"
    assert ben_item.credit_note.number == f"GS-{Y}-000002"
    assert anna_item.credit_note.gross == D("119.00") and ben_item.credit_note.gross == D("50.00")
    assert run.total == D("169.00")

    xml = bytes(run.sepa_xml)
    xmlschema.XMLSchema(str(XSD)).validate(xml)  # raises when invalid
    assert hashlib.sha256(xml).hexdigest() == run.sepa_sha256
    tree = etree.fromstring(xml)
    debtor = tree.find(".//p:PmtInf/p:Dbtr/p:Nm", NS).text
    assert debtor == "Lumen Naturkosmetik"
    assert tree.findtext(".//p:PmtInf/p:DbtrAcct/p:Id/p:IBAN", namespaces=NS) == (
        "DE02120300000000202051"
    )
    transfers = tree.findall(".//p:CdtTrfTxInf", NS)
    assert len(transfers) == 2
    got = {
        t.findtext("p:PmtId/p:EndToEndId", namespaces=NS): (
            t.findtext("p:Amt/p:InstdAmt", namespaces=NS),
            t.findtext("p:RmtInf/p:Ustrd", namespaces=NS),
            t.findtext("p:CdtrAcct/p:Id/p:IBAN", namespaces=NS),
            t.findtext("p:Cdtr/p:Nm", namespaces=NS),
        )
        for t in transfers
    }
    assert got[f"GS-{Y}-000001"] == (
        "119.00",
        f"Provision 2026-10 GS-{Y}-000001",
        "DE89370400440532013000",
        "Anna Albers",
    )
    assert got[f"GS-{Y}-000002"][0] == "50.00"
    assert tree.findtext(".//p:GrpHdr/p:CtrlSum", namespaces=NS) == "169.00"


def test_cancel_before_approval_returns_items_to_payable(two_items, preparer, approver):
    run = payout_run_prepare(actor=preparer)
    payout_run_cancel(run=run, actor=preparer)
    assert set(PayoutItem.objects.values_list("status", flat=True)) == {"payable"}
    run.refresh_from_db()
    assert run.status == PayoutRun.Status.CANCELLED
    with pytest.raises(ValidationError):
        payout_run_approve(run=run, actor=approver)
    second = payout_run_approve(run=payout_run_prepare(actor=preparer), actor=approver)
    with pytest.raises(ValidationError):
        payout_run_cancel(run=second, actor=preparer)


def test_mark_paid_pays_every_item(two_items, preparer, approver):
    run = payout_run_approve(run=payout_run_prepare(actor=preparer), actor=approver)
    payout_run_mark_paid(run=run, actor=approver)
    assert set(PayoutItem.objects.values_list("status", flat=True)) == {"paid"}
    with pytest.raises(ValidationError):
        payout_run_mark_paid(run=run, actor=approver)


def test_returned_item_is_paid_again_by_a_later_run_under_its_credit_note(
    two_items, preparer, approver
):
    anna_item, _ben_item = two_items
    first = payout_run_approve(run=payout_run_prepare(actor=preparer), actor=approver)
    payout_run_mark_paid(run=first, actor=approver)
    with pytest.raises(ValidationError):
        payout_item_return(item=anna_item, reason="XX99")
    payout_item_return(item=anna_item, reason="AC04")
    anna_item.refresh_from_db()
    assert (anna_item.status, anna_item.return_reason) == ("returned", "AC04")
    note = anna_item.credit_note

    with pytest.raises(ValidationError):  # nothing payable: returned waits for new details
        payout_run_prepare(actor=preparer)
    profile_make(anna_item.partner, iban=IBAN_2, password=PASSWORD, **REGULAR)
    anna_item.refresh_from_db()
    assert anna_item.status == PayoutItem.Status.PAYABLE
    PayoutProfile.objects.update(hold_until=None)

    second = payout_run_approve(run=payout_run_prepare(actor=preparer), actor=approver)
    entry = second.entries.get()
    assert entry.item == anna_item and entry.end_to_end_id == note.number
    assert entry.iban == IBAN_2 and entry.gross == note.gross
    assert CreditNote.objects.count() == 2  # no new credit note
    payout_run_mark_paid(run=second, actor=approver)
    anna_item.refresh_from_db()
    assert anna_item.status == PayoutItem.Status.PAID


def test_release_only_for_returned_items(two_items):
    with pytest.raises(ValidationError):
        payout_item_release(item=two_items[0])


def test_every_step_is_logged_with_who_and_when(two_items, preparer, approver):
    run = payout_run_prepare(actor=preparer)
    payout_run_approve(run=run, actor=approver)
    payout_run_mark_paid(run=run, actor=approver)
    log = list(PayoutLog.objects.filter(payout_run=run).order_by("pk"))
    assert [(e.action, e.actor) for e in log] == [
        ("run_prepared", preparer),
        ("run_approved", approver),
        ("run_paid", approver),
    ]
    assert all(e.created_at for e in log)
    issued = PayoutLog.objects.filter(action="credit_note_issued")
    assert issued.count() == 2 and {e.actor for e in issued} == {approver}


def camt(entries: str) -> bytes:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt>
<GrpHdr><MsgId>S1</MsgId><CreDtTm>2026-12-02T18:00:00</CreDtTm></GrpHdr>
<Stmt><Id>S1</Id><Acct><Id><IBAN>DE02120300000000202051</IBAN></Id></Acct>
{entries}</Stmt></BkToCstmrStmt></Document>""".encode()


def test_bank_statement_matches_the_run_debit_and_a_returned_transfer(
    two_items, preparer, approver
):
    anna_item, ben_item = two_items
    run = payout_run_approve(run=payout_run_prepare(actor=preparer), actor=approver)
    debit = f"""<Ntry><Amt Ccy="EUR">169.00</Amt><CdtDbtInd>DBIT</CdtDbtInd><Sts>BOOK</Sts>
<BookgDt><Dt>2026-12-02</Dt></BookgDt><AcctSvcrRef>R-1</AcctSvcrRef>
<NtryDtls><Btch><PmtInfId>{run.payment_info_id}</PmtInfId><NbOfTxs>2</NbOfTxs></Btch>
<TxDtls><Refs><EndToEndId>GS-{Y}-000001</EndToEndId></Refs><Amt Ccy="EUR">119.00</Amt></TxDtls>
<TxDtls><Refs><EndToEndId>GS-{Y}-000002</EndToEndId></Refs><Amt Ccy="EUR">50.00</Amt></TxDtls>
</NtryDtls></Ntry>"""
    returned = f"""<Ntry><Amt Ccy="EUR">50.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts>
<BookgDt><Dt>2026-12-04</Dt></BookgDt><AcctSvcrRef>R-2</AcctSvcrRef>
<NtryDtls><TxDtls><Refs><EndToEndId>GS-{Y}-000002</EndToEndId></Refs>
<RmtInf><Ustrd>RETOURE Provision 2026-10 GS-{Y}-000002</Ustrd></RmtInf>
<RtrInf><Rsn><Cd>AC01</Cd></Rsn></RtrInf></TxDtls></NtryDtls></Ntry>"""
    result = bank_statement_import(data=camt(debit + returned), file_name="dec.xml")
    assert list(result.statement.transactions.values_list("status", flat=True)) == [
        BankTransaction.Status.RUN_DEBIT,
        BankTransaction.Status.PAYOUT_RETURNED,
    ]
    run.refresh_from_db()
    assert run.status == PayoutRun.Status.PAID
    assert timezone.localdate(run.paid_at).isoformat() == "2026-12-02"
    anna_item.refresh_from_db()
    ben_item.refresh_from_db()
    assert anna_item.status == "paid"
    assert (ben_item.status, ben_item.return_reason) == ("returned", "AC01")


def test_run_admin_prepare_approve_by_another_admin_and_download(two_items, client):
    first = UserFactory(is_staff=True, is_superuser=True)
    second = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(first)
    response = client.post("/admin/payouts/payoutrun/prepare/")
    run = PayoutRun.objects.get()
    assert response.status_code == 302 and response.url.endswith(f"/{run.pk}/change/")
    page = client.get(response.url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "169.00" in page or "119.00" in page

    action = {"action": "approve", "_selected_action": [run.pk]}
    response = client.post(
        "/admin/payouts/payoutrun/", action, follow=True, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert "another admin has to approve it" in response.content.decode()
    run.refresh_from_db()
    assert run.status == PayoutRun.Status.PREPARED

    client.force_login(second)
    client.post("/admin/payouts/payoutrun/", action)
    run.refresh_from_db()
    assert run.status == PayoutRun.Status.APPROVED
    sepa = client.get(f"/admin/payouts/payoutrun/{run.pk}/sepa.xml")
    assert sepa.status_code == 200 and sepa.content == bytes(run.sepa_xml)
    page = client.get(f"/admin/payouts/payoutrun/{run.pk}/change/").content.decode()
    assert run.sepa_sha256 in page and f"GS-{Y}-000001" in page


def test_item_admin_marks_returned_with_a_reason_code(two_items, preparer, approver, admin_client):
    anna_item, _ = two_items
    payout_run_approve(run=payout_run_prepare(actor=preparer), actor=approver)
    url = "/admin/payouts/payoutitem/"
    form = admin_client.post(url, {"action": "mark_returned", "_selected_action": [anna_item.pk]})
    assert form.status_code == 200 and "MD07" in form.content.decode()
    admin_client.post(
        url,
        {
            "action": "mark_returned",
            "_selected_action": [anna_item.pk],
            "apply": "1",
            "reason": "MD07",
        },
    )
    anna_item.refresh_from_db()
    assert (anna_item.status, anna_item.return_reason) == ("returned", "MD07")


def test_preparing_again_adds_to_the_open_run_and_nobody_who_prepared_it_approves(item_for):
    anna = PartnerFactory(slug="anna", first_name="Anna", last_name="Albers")
    ben = PartnerFactory(slug="ben", first_name="Ben", last_name="Brandt")
    item_for(anna, payout="999.00", **REGULAR)
    first_admin = admin_with("prepare_payoutrun", "approve_payoutrun")
    run = payout_run_prepare(actor=first_admin)
    item_for(ben, payout="1.00")
    second_admin = admin_with("prepare_payoutrun", "approve_payoutrun")
    again = payout_run_prepare(actor=second_admin)

    assert again == run and run.entries.count() == 2
    for person in (first_admin, second_admin):
        with pytest.raises(ValidationError, match="another admin has to approve it"):
            payout_run_approve(run=run, actor=person)
    assert not CreditNote.objects.exists()
    approved = payout_run_approve(run=run, actor=admin_with("approve_payoutrun"))
    assert approved.status == PayoutRun.Status.APPROVED and approved.entries.count() == 2
