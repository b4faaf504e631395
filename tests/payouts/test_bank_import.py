from datetime import datetime
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.utils import timezone

from orders.models import Order
from orders.services import order_mark_paid
from payouts.models import BankStatement, BankTransaction
from payouts.selectors import bank_transactions_open
from payouts.services import bank_statement_import, bank_transaction_resolve, order_numbers_in
from tests.factories import OrderFactory, UserFactory

pytestmark = pytest.mark.django_db

DATA = Path(__file__).parent / "data"
CAMT = (DATA / "camt053_orders.xml").read_bytes()
S = BankTransaction.Status


@pytest.fixture
def orders():
    placed = timezone.make_aware(datetime(2026, 11, 20, 15, 0))
    exact = OrderFactory(number="2026-K7Q4MX", price_total=Decimal("34.80"), placed_at=placed)
    short = OrderFactory(number="2026-P3RT8W", price_total=Decimal("34.80"), placed_at=placed)
    paid = OrderFactory(number="2026-HHZZ22", price_total=Decimal("59.80"), placed_at=placed)
    order_mark_paid(order=paid)
    return exact, short, paid


def test_order_numbers_are_found_with_or_without_hyphen():
    assert order_numbers_in("Bestellung 2026-k7q4mx und 2026 P3RT8W") == [
        "2026-K7Q4MX",
        "2026-P3RT8W",
    ]
    assert order_numbers_in("IBAN DE892026K7Q4MXX") == []


def test_camt053_pays_the_exact_match_with_the_booking_date_and_lists_the_rest(orders):
    exact, short, paid = orders
    result = bank_statement_import(data=CAMT, file_name="camt.xml")

    exact.refresh_from_db()
    assert exact.status == Order.Status.PAID
    assert timezone.localdate(exact.paid_at).isoformat() == "2026-11-24"
    short.refresh_from_db()
    assert short.status == Order.Status.PENDING
    statuses = list(result.statement.transactions.values_list("status", flat=True))
    assert statuses == [
        S.ORDER_PAID,
        S.WRONG_AMOUNT,
        S.DUPLICATE,
        S.ALREADY_PAID,
        S.NO_MATCH,  # rent
        S.NO_MATCH,  # bank fee (debit)
    ]  # the pending entry is not money yet
    open_rows = list(bank_transactions_open())
    assert len(open_rows) == 5
    assert BankTransaction.objects.get(status=S.WRONG_AMOUNT).order == short


def test_importing_the_same_statement_twice_changes_nothing(orders):
    bank_statement_import(data=CAMT, file_name="camt.xml")
    before = list(BankTransaction.objects.values_list("pk", "status"))
    again = bank_statement_import(data=CAMT, file_name="camt-copy.xml")
    assert not again.created
    assert BankStatement.objects.count() == 1
    assert list(BankTransaction.objects.values_list("pk", "status")) == before


def test_overlapping_statement_skips_lines_already_imported(orders):
    bank_statement_import(data=CAMT, file_name="camt.xml")
    overlapping = CAMT.replace(b"2026-11-24-001", b"2026-11-25-001")
    result = bank_statement_import(data=overlapping, file_name="next.xml")
    assert result.created and result.statement.lines_new == 0 and result.skipped == 6
    assert BankTransaction.objects.count() == 6


def test_mt940_pays_the_exact_match(orders):
    exact, _short, _paid = orders
    result = bank_statement_import(data=(DATA / "mt940_orders.sta").read_bytes(), file_name="a.sta")
    exact.refresh_from_db()
    assert exact.status == Order.Status.PAID
    row = result.statement.transactions.get()
    assert row.status == S.ORDER_PAID and row.booking_date.isoformat() == "2026-11-24"


@pytest.mark.parametrize(
    "data",
    [
        b"hello",
        b"<Document><Foo/></Document>",
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><Document>&a;</Document>',
    ],
)
def test_unreadable_files_are_refused_and_change_nothing(orders, data):
    with pytest.raises(ValidationError):
        bank_statement_import(data=data, file_name="bad")
    assert not BankStatement.objects.exists()


def test_admin_resolves_a_listed_line_with_a_note(orders):
    bank_statement_import(data=CAMT, file_name="camt.xml")
    admin = UserFactory(is_staff=True)
    row = BankTransaction.objects.get(status=S.WRONG_AMOUNT)
    with pytest.raises(ValidationError):
        bank_transaction_resolve(bank_transaction=row, actor=admin, note="  ")
    bank_transaction_resolve(bank_transaction=row, actor=admin, note="4,80 € nachgefordert")
    row.refresh_from_db()
    assert row.resolved_by == admin and not row.needs_attention
    assert len(bank_transactions_open()) == 4


def test_import_command_reports_lines_and_refuses_missing_files(orders, capsys):
    path = DATA / "camt053_orders.xml"
    call_command("import_bank_statement", str(path))
    out = capsys.readouterr().out
    assert "6 new lines" in out and "wait for an admin" in out
    call_command("import_bank_statement", str(path))
    assert "nothing changed" in capsys.readouterr().out
    with pytest.raises(CommandError):
        call_command("import_bank_statement", str(DATA / "missing.xml"))


def test_admin_upload_imports_a_statement(orders, admin_client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = admin_client.post(
        "/admin/payouts/bankstatement/upload/",
        {"file": SimpleUploadedFile("camt.xml", CAMT, content_type="text/xml")},
    )
    assert response.status_code == 302
    assert BankStatement.objects.get().imported_by.is_superuser
    page = admin_client.get(response.url)
    assert page.status_code == 200 and "Miete November" in page.content.decode()
    bad = admin_client.post(
        "/admin/payouts/bankstatement/upload/",
        {"file": SimpleUploadedFile("x.xml", b"nonsense", content_type="text/xml")},
    )
    assert bad.status_code == 400
