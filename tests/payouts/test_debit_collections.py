"""Direct debit collections: batches per collection date (pain.008.001.08,
FRST then RCUR, SEPA lead times), four eyes, and the bank statement that
marks orders paid or brings debits back (Rücklastschrift)."""

import hashlib
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
import xmlschema
from django.contrib.auth.models import Permission
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from lxml import etree

from orders.models import Order
from payouts import events
from payouts.models import (
    BankTransaction,
    DebitCollection,
    DebitMandate,
    DebitNotice,
    OrderDebit,
)
from payouts.sepa import collection_date_earliest, target2_business_day
from payouts.services import (
    bank_statement_import,
    debit_collection_approve,
    debit_collection_cancel,
    debit_collection_prepare,
    debit_collection_submit,
    debit_mandate_create,
    mandate_text,
    order_debit_schedule,
)
from tests.factories import CustomerFactory, OrderFactory, PartnerFactory, UserFactory

D = Decimal
XSD = Path(__file__).parent / "data" / "pain.008.001.08.xsd"
NS = {"p": "urn:iso:std:iso:20022:tech:xsd:pain.008.001.08"}
TODAY = date(2026, 12, 1)  # a Tuesday
THU = date(2026, 12, 3)
FRI = date(2026, 12, 4)


def admin_with(*codenames):
    user = UserFactory(is_staff=True)
    user.user_permissions.add(*Permission.objects.filter(codename__in=codenames))
    return user


@pytest.fixture
def preparer(db):
    return admin_with("prepare_debitcollection", "view_debitcollection")


@pytest.fixture
def approver(db):
    return admin_with("approve_debitcollection", "view_debitcollection")


def mandate_for(customer, **overrides):
    data = {
        "customer": customer,
        "account_holder": "Klara Kunde",
        "iban": "DE89370400440532013000",
        "mandate_text": mandate_text(language="de"),
        "language": "de",
    }
    data.update(overrides)
    return debit_mandate_create(**data)


def debit_for(mandate, *, total="49.90", due=THU, partner=None, **order_kwargs) -> OrderDebit:
    order = OrderFactory(
        customer=mandate.customer,
        payment_method=Order.PaymentMethod.DIRECT_DEBIT,
        price_total=D(total),
        attributed_partner=partner,
        **order_kwargs,
    )
    return order_debit_schedule(order=order, mandate=mandate, due_date=due)


def collect(preparer, approver, *, day=THU, today=TODAY, submit=True) -> DebitCollection:
    collection = debit_collection_prepare(collection_date=day, actor=preparer, today=today)
    collection = debit_collection_approve(collection=collection, actor=approver, today=today)
    if submit:
        collection = debit_collection_submit(collection=collection, actor=approver)
    return collection


# ----------------------------------------------------------- collection dates


def test_target2_days_exclude_weekends_and_the_target_holidays():
    assert target2_business_day(date(2026, 12, 3))
    assert not target2_business_day(date(2026, 12, 5))  # Saturday
    for holiday in ("2026-01-01", "2026-04-03", "2026-04-06", "2026-05-01", "2026-12-25"):
        assert not target2_business_day(date.fromisoformat(holiday))
    assert target2_business_day(date(2026, 12, 28))  # the Monday after Christmas


def test_the_file_reaches_the_bank_one_business_day_before_the_collection():
    assert collection_date_earliest(today=date(2026, 12, 1)) == date(2026, 12, 2)
    # Friday before Christmas: Monday 28th is the next TARGET2 day after Thursday 24th
    assert collection_date_earliest(today=date(2026, 12, 24)) == date(2026, 12, 28)
    # prepared on a Saturday: sent Monday, collected Tuesday at the earliest
    assert collection_date_earliest(today=date(2026, 12, 5)) == date(2026, 12, 8)


def test_a_collection_date_too_soon_or_on_a_holiday_is_refused(db, preparer):
    debit_for(mandate_for(CustomerFactory()), due=date(2026, 12, 1))
    with pytest.raises(ValidationError, match="earliest collection date is now 02.12.2026"):
        debit_collection_prepare(collection_date=TODAY, actor=preparer, today=TODAY)
    with pytest.raises(ValidationError, match="no TARGET2 business day"):
        debit_collection_prepare(collection_date=date(2026, 12, 25), actor=preparer, today=TODAY)
    with pytest.raises(ValidationError, match="no TARGET2 business day"):
        debit_collection_prepare(collection_date=date(2026, 12, 5), actor=preparer, today=TODAY)
    assert not DebitCollection.objects.exists()


def test_only_debits_due_by_the_collection_date_are_taken(db, preparer):
    mandate = mandate_for(CustomerFactory())
    due = debit_for(mandate, due=THU)
    later = debit_for(mandate_for(CustomerFactory()), due=date(2026, 12, 10))
    collection = debit_collection_prepare(collection_date=THU, actor=preparer, today=TODAY)
    assert list(collection.debits.all()) == [due]
    later.refresh_from_db()
    assert later.collection is None and later.status == OrderDebit.Status.SCHEDULED


# ------------------------------------------------------------ file and FRST/RCUR


def test_first_collection_is_frst_then_rcur_in_a_valid_pain_008_file(db, preparer, approver):
    mandate = mandate_for(CustomerFactory())
    first = debit_for(mandate, total="49.90", due=THU)
    collection = collect(preparer, approver)
    first.refresh_from_db()
    assert first.sequence_type == "FRST"
    xml = bytes(collection.sepa_xml)
    xmlschema.XMLSchema(str(XSD)).validate(xml)  # raises when invalid
    assert hashlib.sha256(xml).hexdigest() == collection.sepa_sha256
    tree = etree.fromstring(xml)
    assert tree.findtext(".//p:PmtInf/p:PmtTpInf/p:SeqTp", namespaces=NS) == "FRST"
    assert tree.findtext(".//p:PmtInf/p:PmtTpInf/p:LclInstrm/p:Cd", namespaces=NS) == "CORE"
    assert tree.findtext(".//p:PmtInf/p:ReqdColltnDt", namespaces=NS) == "2026-12-03"
    assert tree.findtext(".//p:CdtrSchmeId/p:Id/p:PrvtId/p:Othr/p:Id", namespaces=NS) == (
        "DE98ZZZ09999999999"
    )
    tx = tree.find(".//p:DrctDbtTxInf", NS)
    assert tx.findtext("p:PmtId/p:EndToEndId", namespaces=NS) == first.order.number
    assert tx.findtext("p:InstdAmt", namespaces=NS) == "49.90"
    assert tx.findtext(".//p:MndtRltdInf/p:MndtId", namespaces=NS) == mandate.reference
    assert tx.findtext("p:DbtrAcct/p:Id/p:IBAN", namespaces=NS) == "DE89370400440532013000"

    second = debit_for(mandate, total="30.00", due=date(2026, 12, 10))
    new_customer = debit_for(mandate_for(CustomerFactory()), total="20.00", due=FRI)
    collection = collect(preparer, approver, day=date(2026, 12, 10), today=date(2026, 12, 8))
    second.refresh_from_db()
    new_customer.refresh_from_db()
    assert (second.sequence_type, new_customer.sequence_type) == ("RCUR", "FRST")
    xmlschema.XMLSchema(str(XSD)).validate(bytes(collection.sepa_xml))
    assert sorted((b["sequence"], b["total"], b["count"]) for b in collection.batches) == [
        ("FRST", "20.00", 1),
        ("RCUR", "30.00", 1),
    ]


def test_a_mandate_gives_one_frst_per_collection_its_next_debit_waits(db, preparer, approver):
    mandate = mandate_for(CustomerFactory())
    one = debit_for(mandate, due=THU)
    two = debit_for(mandate, due=THU)
    collect(preparer, approver)
    one.refresh_from_db()
    two.refresh_from_db()
    assert (one.sequence_type, one.status) == ("FRST", OrderDebit.Status.SUBMITTED)
    assert (two.collection, two.status) == (None, OrderDebit.Status.SCHEDULED)
    collect(preparer, approver, day=FRI, today=date(2026, 12, 3))
    two.refresh_from_db()
    assert (two.sequence_type, two.status) == ("RCUR", OrderDebit.Status.SUBMITTED)


def test_a_cancelled_collection_gives_its_debits_back_and_frst_stays_first(db, preparer, approver):
    mandate = mandate_for(CustomerFactory())
    debit = debit_for(mandate)
    collection = collect(preparer, approver, submit=False)
    debit_collection_cancel(collection=collection, actor=preparer)
    debit.refresh_from_db()
    assert (debit.collection, debit.status, debit.sequence_type) == (None, "scheduled", "")
    mandate.refresh_from_db()
    assert mandate.first_collected_at is None
    again = collect(preparer, approver)
    debit.refresh_from_db()
    assert debit.collection == again and debit.sequence_type == "FRST"


def test_an_order_paid_or_cancelled_meanwhile_is_not_collected(db, preparer):
    from orders.services import order_cancel

    mandate = mandate_for(CustomerFactory())
    debit = debit_for(mandate)
    keep = debit_for(mandate_for(CustomerFactory()))
    order_cancel(order=debit.order)
    collection = debit_collection_prepare(collection_date=THU, actor=preparer, today=TODAY)
    debit.refresh_from_db()
    assert debit.status == OrderDebit.Status.CANCELLED
    assert list(collection.debits.all()) == [keep]


# ------------------------------------------------------------------ four eyes


def test_preparing_and_approving_need_their_permissions_and_two_people(db, preparer, approver):
    debit_for(mandate_for(CustomerFactory()))
    nobody = UserFactory(is_staff=True)
    with pytest.raises(PermissionDenied):
        debit_collection_prepare(collection_date=THU, actor=nobody, today=TODAY)
    collection = debit_collection_prepare(collection_date=THU, actor=preparer, today=TODAY)
    with pytest.raises(PermissionDenied):
        debit_collection_approve(collection=collection, actor=preparer, today=TODAY)
    both = admin_with("prepare_debitcollection", "approve_debitcollection")
    mine = debit_collection_prepare(collection_date=THU, actor=both, today=TODAY)
    with pytest.raises(ValidationError, match="another admin has to approve"):
        debit_collection_approve(collection=mine, actor=both, today=TODAY)
    with pytest.raises(PermissionDenied):
        debit_collection_submit(collection=mine, actor=preparer)
    approved = debit_collection_approve(collection=mine, actor=approver, today=TODAY)
    assert approved.status == DebitCollection.Status.APPROVED


def test_the_finance_roles_prepare_and_approve_collections(db):
    from django.contrib.auth.models import Group

    finance = Group.objects.get(name="Finance").permissions.values_list("codename", flat=True)
    approver = Group.objects.get(name="Finance approver").permissions.values_list(
        "codename", flat=True
    )
    assert "prepare_debitcollection" in finance and "approve_debitcollection" not in finance
    assert "approve_debitcollection" in approver and "prepare_debitcollection" not in approver


# -------------------------------------------------------------- bank statement


def camt(entries: str) -> bytes:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt>
<GrpHdr><MsgId>S1</MsgId><CreDtTm>2026-12-03T18:00:00</CreDtTm></GrpHdr>
<Stmt><Id>S1</Id><Acct><Id><IBAN>DE02120300000000202051</IBAN></Id></Acct>
{entries}</Stmt></BkToCstmrStmt></Document>""".encode()


def batch_credit(batch_id: str, total: str, *, day="2026-12-03", ref="C-1") -> str:
    return f"""<Ntry><Amt Ccy="EUR">{total}</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts>
<BookgDt><Dt>{day}</Dt></BookgDt><AcctSvcrRef>{ref}</AcctSvcrRef>
<NtryDtls><Btch><PmtInfId>{batch_id}</PmtInfId></Btch></NtryDtls></Ntry>"""


def single_credit(end_to_end: str, amount: str, *, day="2026-12-03", ref="C-2") -> str:
    return f"""<Ntry><Amt Ccy="EUR">{amount}</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts>
<BookgDt><Dt>{day}</Dt></BookgDt><AcctSvcrRef>{ref}</AcctSvcrRef>
<NtryDtls><TxDtls><Refs><EndToEndId>{end_to_end}</EndToEndId></Refs></TxDtls></NtryDtls></Ntry>"""


def return_debit(end_to_end: str, amount: str, code: str, *, day="2026-12-09", ref="R-1") -> str:
    return f"""<Ntry><Amt Ccy="EUR">{amount}</Amt><CdtDbtInd>DBIT</CdtDbtInd>
<RvslInd>true</RvslInd><Sts>BOOK</Sts>
<BookgDt><Dt>{day}</Dt></BookgDt><AcctSvcrRef>{ref}</AcctSvcrRef>
<NtryDtls><TxDtls><Refs><EndToEndId>{end_to_end}</EndToEndId></Refs>
<RmtInf><Ustrd>RUECKLASTSCHRIFT {end_to_end}</Ustrd></RmtInf>
<RtrInf><Rsn><Cd>{code}</Cd></Rsn></RtrInf></TxDtls></NtryDtls></Ntry>"""


@pytest.fixture
def two_collected(db, preparer, approver, django_capture_on_commit_callbacks, clock):
    """Two first debits in one collection, submitted to the bank. The clock
    stands on the morning of TODAY, so the orders come before the bank's
    booking days whatever the machine's date."""
    clock(datetime(2026, 12, 1, 8, 0, tzinfo=UTC))
    anna = PartnerFactory()
    one = debit_for(mandate_for(CustomerFactory()), total="49.90", partner=anna)
    two = debit_for(mandate_for(CustomerFactory()), total="30.10", partner=anna)
    collection = collect(preparer, approver)
    return collection, one, two


def test_the_batch_credit_marks_each_collected_order_paid_once(
    two_collected, django_capture_on_commit_callbacks
):
    collection, one, two = two_collected
    [batch] = collection.batches
    data = camt(batch_credit(batch["id"], "80.00"))
    with django_capture_on_commit_callbacks(execute=True):
        result = bank_statement_import(data=data, file_name="dec.xml")
    assert result.counts == {BankTransaction.Status.DEBITS_COLLECTED: 1}
    for debit in (one, two):
        debit.refresh_from_db()
        debit.order.refresh_from_db()
        assert debit.status == OrderDebit.Status.COLLECTED
        assert debit.order.status == Order.Status.PAID
        assert timezone.localdate(debit.order.paid_at) == date(2026, 12, 3)
    assert one.order.events.filter(kind="paid").count() == 1
    row = BankTransaction.objects.get()
    assert row.debit_collection == collection and not row.needs_attention

    again = bank_statement_import(data=data, file_name="dec-again.xml")
    assert again.created is False
    # the same line in another, overlapping statement: skipped, nothing twice
    overlap = bank_statement_import(
        data=camt(batch_credit(batch["id"], "80.00") + single_credit("X", "1.00", ref="C-9")),
        file_name="overlap.xml",
    )
    assert overlap.skipped == 1
    assert one.order.events.filter(kind="paid").count() == 1
    assert OrderDebit.objects.filter(status=OrderDebit.Status.COLLECTED).count() == 2


def test_individual_credit_lines_mark_their_orders_paid(two_collected):
    _collection, one, two = two_collected
    bank_statement_import(
        data=camt(single_credit(one.order.number, "49.90")), file_name="single.xml"
    )
    one.refresh_from_db()
    two.refresh_from_db()
    assert one.status == OrderDebit.Status.COLLECTED and one.order.status == Order.Status.PAID
    assert two.status == OrderDebit.Status.SUBMITTED


def test_a_batch_credit_with_another_amount_needs_attention(two_collected):
    collection, one, _two = two_collected
    [batch] = collection.batches
    bank_statement_import(data=camt(batch_credit(batch["id"], "79.00")), file_name="x.xml")
    row = BankTransaction.objects.get()
    assert row.needs_attention
    one.refresh_from_db()
    assert one.status == OrderDebit.Status.SUBMITTED


def test_a_returned_debit_refunds_the_order_mails_the_customer_and_tells_listeners(
    two_collected, django_capture_on_commit_callbacks, mailoutbox
):
    from qualification.models import VolumeEntry

    collection, one, two = two_collected
    [batch] = collection.batches
    heard = []

    def listener(sender, order, reason_code, **kwargs):
        heard.append((order.number, order.status, reason_code))

    events.debit_returned.connect(listener)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            bank_statement_import(data=camt(batch_credit(batch["id"], "80.00")), file_name="a")
        mail.outbox.clear()
        # the bank adds its return fee (3.00) to the amount: the company bears it
        with django_capture_on_commit_callbacks(execute=True):
            result = bank_statement_import(
                data=camt(return_debit(one.order.number, "52.90", "AM04")), file_name="b"
            )
    finally:
        events.debit_returned.disconnect(listener)
    assert result.counts == {BankTransaction.Status.DEBIT_RETURNED: 1}
    one.refresh_from_db()
    order = Order.objects.get(pk=one.order_id)
    assert (one.status, one.return_reason) == (OrderDebit.Status.RETURNED, "AM04")
    assert order.status == Order.Status.REFUNDED
    assert timezone.localdate(order.refunded_at) == date(2026, 12, 9)
    refund = order.refunds.get()
    assert refund.amount == D("49.90")  # the order's total, not the bank's fee
    assert heard == [(order.number, Order.Status.REFUNDED, "AM04")]
    # the partner's volume of the order is taken back, and nothing more (no fee)
    entries = VolumeEntry.objects.filter(order=order).order_by("pk")
    assert [e.qv for e in entries] == [order.qv, -order.qv]
    assert not VolumeEntry.objects.filter(partner=order.attributed_partner).exclude(
        order__in=[order, two.order]
    )
    # the customer hears why, in the mandate's language (the invoice correction of
    # the refund comes in its own e-mail)
    [correction] = [m for m in mail.outbox if "Rechnungskorrektur" in m.subject]
    assert correction.to == [order.email]
    [sent] = [m for m in mail.outbox if m is not correction]
    assert sent.to == [order.email]
    assert order.number in sent.subject
    assert "zurückgegeben" in sent.subject  # German, like the mandate
    assert "keine Deckung" in sent.body and "49,90 EUR" in sent.body
    assert "AM04" not in sent.subject
    assert DebitNotice.objects.get(order_debit=one).sent_at is not None
    two.refresh_from_db()
    assert two.status == OrderDebit.Status.COLLECTED


def test_a_return_before_the_credit_is_matched_cancels_the_pending_order(two_collected):
    _collection, one, _two = two_collected
    bank_statement_import(data=camt(return_debit(one.order.number, "49.90", "AC04")), file_name="r")
    one.refresh_from_db()
    one.order.refresh_from_db()
    assert one.status == OrderDebit.Status.RETURNED
    assert one.order.status == Order.Status.CANCELLED


def test_an_unknown_return_stays_visible_as_needing_attention(db):
    bank_statement_import(data=camt(return_debit("2026-ZZZZZZ", "10.00", "MD06")), file_name="r")
    row = BankTransaction.objects.get()
    assert row.status == BankTransaction.Status.NO_MATCH and row.needs_attention


def test_the_mandate_records_its_first_and_last_use(two_collected):
    _collection, one, _two = two_collected
    mandate = DebitMandate.objects.get(pk=one.mandate_id)
    assert mandate.first_collected_at is not None
    assert timezone.localdate(mandate.last_used_at) == THU
    assert mandate.evidence_date == THU


def test_a_return_after_the_close_reverses_the_volume_in_the_open_period(
    db, preparer, approver, django_capture_on_commit_callbacks
):
    """qualification.md 4: a refund books into the period of the payment while it
    is open, else into the current open period; the closed month stays as closed."""
    from qualification.models import Period
    from qualification.selectors import partner_stats
    from qualification.services import period_close, period_current_open

    anna = PartnerFactory()
    october = timezone.make_aware(timezone.datetime(2026, 10, 12, 10))
    debit = debit_for(
        mandate_for(CustomerFactory()),
        total="49.90",
        partner=anna,
        due=date(2026, 10, 15),
        placed_at=october,
        qv_total=D("40"),
    )
    collection = collect(preparer, approver, day=date(2026, 10, 15), today=date(2026, 10, 12))
    [batch] = collection.batches
    with django_capture_on_commit_callbacks(execute=True):
        bank_statement_import(
            data=camt(batch_credit(batch["id"], "49.90", day="2026-10-15")), file_name="oct"
        )
    oct_period = Period.objects.get(start=date(2026, 10, 1))
    assert partner_stats(partner=anna, period=oct_period).pv == D("40")
    period_close(period=oct_period)

    with django_capture_on_commit_callbacks(execute=True):
        bank_statement_import(
            data=camt(return_debit(debit.order.number, "49.90", "MD06", day="2026-11-20")),
            file_name="nov",
        )
    current = period_current_open()
    assert current != oct_period
    assert partner_stats(partner=anna, period=oct_period).pv == D("40")  # frozen
    assert partner_stats(partner=anna, period=current).pv == D("-40")


def test_a_return_within_the_open_month_takes_the_volume_back_there(
    two_collected, django_capture_on_commit_callbacks
):
    from qualification.models import Period
    from qualification.selectors import partner_stats

    collection, one, two = two_collected
    [batch] = collection.batches
    with django_capture_on_commit_callbacks(execute=True):
        bank_statement_import(data=camt(batch_credit(batch["id"], "80.00")), file_name="a")
        bank_statement_import(
            data=camt(return_debit(one.order.number, "49.90", "AC04", day="2026-12-09")),
            file_name="b",
        )
    december = Period.objects.get(start=date(2026, 12, 1))
    assert partner_stats(partner=one.order.attributed_partner, period=december).pv == (two.order.qv)


def test_an_mt940_return_with_the_reason_in_the_purpose_is_found(two_collected):
    _collection, one, _two = two_collected
    number = one.order.number
    sta = (
        ":20:STARTUMS\n:25:12030000/0000202051\n:28C:00002/001\n:60F:C261208EUR1000,00\n"
        ":61:2612091209RC49,90NRTINONREF\n"
        f":86:109?00RUECKLASTSCHRIFT?20EREF+{number}?21SVWZ+RETOURE AM04 KEINE DECKUNG?34901\n"
        ":62F:C261209EUR950,10\n-\n"
    )
    result = bank_statement_import(data=sta.encode(), file_name="dec.sta")
    assert result.counts == {BankTransaction.Status.DEBIT_RETURNED: 1}
    one.refresh_from_db()
    assert (one.status, one.return_reason) == (OrderDebit.Status.RETURNED, "AM04")


def test_the_collection_list_shows_what_the_bank_collected_returned_and_still_has(
    two_collected, admin_client
):
    collection, one, two = two_collected
    page = f"/admin/payouts/debitcollection/?status__exact={collection.status}"
    html = admin_client.get(page, HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert "0 eingezogen, 0 zurückgegeben, 2 offen" in html

    bank_statement_import(data=camt(single_credit(one.order.number, "49.90")), file_name="c")
    bank_statement_import(data=camt(return_debit(two.order.number, "30.10", "AC04")), file_name="r")

    html = admin_client.get(page, HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert "1 eingezogen, 1 zurückgegeben, 0 offen" in html
    detail = admin_client.get(
        f"/admin/payouts/debitcollection/{collection.pk}/change/", HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert "1 collected, 1 returned, 0 open" in detail


def test_an_admin_who_prepared_a_collection_cannot_approve_it_after_another_prepared_it_again(
    db, preparer, approver
):
    mandate = mandate_for(CustomerFactory())
    debit_for(mandate, total="999.00")
    both = admin_with("prepare_debitcollection", "approve_debitcollection")
    debit_collection_prepare(collection_date=THU, actor=both, today=TODAY)
    debit_for(mandate_for(CustomerFactory(), iban="DE02120300000000202051"), total="1.00")
    collection = debit_collection_prepare(collection_date=THU, actor=preparer, today=TODAY)
    assert collection.total == D("1000.00")

    with pytest.raises(ValidationError, match="another admin has to approve"):
        debit_collection_approve(collection=collection, actor=both, today=TODAY)
    collection.refresh_from_db()
    assert collection.status == DebitCollection.Status.PREPARED
    assert set(collection.contributors.all()) == {both, preparer}
    assert debit_collection_approve(collection=collection, actor=approver, today=TODAY).approved_by


def test_preparing_a_collection_again_without_adding_anything_still_bars_both_from_approving(
    db, preparer
):
    debit_for(mandate_for(CustomerFactory()))
    both = admin_with("prepare_debitcollection", "approve_debitcollection")
    other = admin_with("prepare_debitcollection", "approve_debitcollection")
    debit_collection_prepare(collection_date=THU, actor=both, today=TODAY)
    collection = debit_collection_prepare(collection_date=THU, actor=other, today=TODAY)
    for person in (both, other):
        with pytest.raises(ValidationError, match="another admin has to approve"):
            debit_collection_approve(collection=collection, actor=person, today=TODAY)
