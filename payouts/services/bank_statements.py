"""Bank statements (CAMT.053, MT940): import and matching.

Each new booking is offered to the matchers in BANK_MATCHERS, in order (the
payout run's debit, a returned payout, a direct-debit collection, a single
collected debit, a returned debit); a credit none of them takes is matched
to an order by the order number in its reference. What is left is listed for
an admin to resolve. Parsing the files is payouts/bank.py's job.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from orders.models import Order
from orders.services import order_mark_paid

from .. import bank
from ..models import (
    DEBIT_RETURN_REASONS,
    BankStatement,
    BankTransaction,
    DebitCollection,
    OrderDebit,
    PayoutLog,
    PayoutRun,
    PayoutRunEntry,
)
from .audit import payout_log
from .debit_collections import order_debit_collect, order_debit_return
from .runs import payout_item_return, payout_run_mark_paid

# Order numbers as orders.services makes them (2026-K7Q4MX); banks and payers
# often drop the hyphen or put a space instead.
ORDER_NUMBER_RE = re.compile(r"(?<![0-9A-Z])(20\d{2})[\s-]?([A-HJKMNP-Z2-9]{6})(?![0-9A-Z])")


def order_numbers_in(reference: str) -> list[str]:
    found = []
    for year, code in ORDER_NUMBER_RE.findall(reference.upper()):
        number = f"{year}-{code}"
        if number not in found:
            found.append(number)
    return found


@dataclass
class ImportResult:
    statement: BankStatement
    created: bool  # False: this very file was imported before, nothing changed
    counts: dict[str, int]
    skipped: int  # lines already imported with an earlier, overlapping statement


def bank_statement_import(*, data: bytes, file_name: str, actor=None) -> ImportResult:
    """Import a CAMT.053 or MT940 statement: credits naming a pending order and
    paying exactly its total mark it paid (with the booking date); the payout
    run's debit and returned transfers are matched to the run; everything else
    is kept for an admin to resolve. Idempotent; all or nothing."""
    file_hash = hashlib.sha256(data).hexdigest()
    existing = BankStatement.objects.filter(file_hash=file_hash).first()
    if existing is not None:
        return ImportResult(statement=existing, created=False, counts={}, skipped=0)
    parsed = bank.statement_parse(data)  # ValidationError before any write
    with transaction.atomic():
        statement = BankStatement.objects.create(
            file_name=file_name[:255],
            file_hash=file_hash,
            format=parsed.format,
            account_iban=parsed.account_iban[:64],
            statement_id=parsed.statement_id[:100],
            lines_total=len(parsed.lines),
            imported_by=actor,
        )
        counts: dict[str, int] = {}
        seen: dict[str, int] = {}
        skipped = 0
        for line in parsed.lines:
            base_key = line.key
            seen[base_key] = seen.get(base_key, 0) + 1
            key = base_key if seen[base_key] == 1 else f"{base_key}#{seen[base_key]}"
            if BankTransaction.objects.filter(key=key).exists():
                skipped += 1
                continue
            row = BankTransaction(
                statement=statement,
                key=key,
                booking_date=line.booking_date,
                value_date=line.value_date,
                amount=line.amount,
                currency=line.currency[:3],
                counterparty_name=line.counterparty_name[:140],
                counterparty_iban=line.counterparty_iban[:34],
                reference=line.reference[:500],
                end_to_end_id=line.end_to_end_id[:35],
                batch_id=line.batch_id[:35],
                bank_reference=line.bank_reference[:100],
                return_reason=line.return_reason[:4],
            )
            row.reversal = line.reversal  # not stored: read by the matchers only
            if seen[base_key] > 1:
                row.status = BankTransaction.Status.DUPLICATE
            else:
                _bank_transaction_match(row, actor=actor)
            row.save()
            counts[row.status] = counts.get(row.status, 0) + 1
        statement.lines_new = sum(counts.values())
        statement.save(update_fields=["lines_new"])
        payout_log(
            action=PayoutLog.Action.STATEMENT_IMPORTED,
            actor=actor,
            message=f"{file_name}: {statement.lines_new} new, {skipped} known, "
            + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())),
        )
    return ImportResult(statement=statement, created=True, counts=counts, skipped=skipped)


def _bank_transaction_match(row: BankTransaction, *, actor) -> None:
    """Decide what one new booking is, and act on it (sets row.status)."""
    S = BankTransaction.Status
    for matcher in BANK_MATCHERS:
        if matcher(row, actor=actor):
            return
    if row.amount <= 0:
        row.status = S.NO_MATCH
        return
    numbers = order_numbers_in(row.reference)
    orders = list(Order.objects.filter(number__in=numbers).order_by("pk"))
    if len(orders) != 1:
        row.status = S.NO_MATCH
        return
    order = Order.objects.select_for_update().get(pk=orders[0].pk)
    row.order = order
    if order.status != Order.Status.PENDING:
        row.status = S.ALREADY_PAID
    elif row.amount != order.total or row.currency != order.currency:
        row.status = S.WRONG_AMOUNT
    else:
        booked = timezone.make_aware(datetime.combine(row.booking_date, time.min))
        order_mark_paid(
            order=order,
            paid_at=max(booked, order.placed_at),
            changed_by=actor,
            payment_reference=f"Bank {row.booking_date:%d.%m.%Y} {row.bank_reference}".strip()[
                :255
            ],
        )
        row.status = S.ORDER_PAID


@transaction.atomic
def bank_transaction_resolve(*, bank_transaction: BankTransaction, actor, note: str):
    """An admin says how a listed line was settled (refund, manual payment, ...)."""
    note = note.strip()
    if not note:
        raise ValidationError({"resolution_note": _("Say how this line was settled.")})
    row = BankTransaction.objects.select_for_update().get(pk=bank_transaction.pk)
    if row.resolved_at is not None:
        raise ValidationError(_("This line is already resolved."))
    row.resolved_at = timezone.now()
    row.resolved_by = actor
    row.resolution_note = note
    row.save(update_fields=["resolved_at", "resolved_by", "resolution_note"])
    payout_log(
        action=PayoutLog.Action.TRANSACTION_RESOLVED,
        actor=actor,
        message=f"{row.booking_date} {row.amount} {row.reference[:60]}: {note}",
    )
    return row


def _match_run_debit(row: BankTransaction, *, actor) -> bool:
    """The run's collective debit: its payment information id (or message id)
    and its total. Marks the run paid on the booking date."""
    if row.amount >= 0 or not (row.batch_id or row.reference):
        return False
    ids = {x for x in (row.batch_id, row.end_to_end_id) if x}
    runs = PayoutRun.objects.filter(status=PayoutRun.Status.APPROVED, total=-row.amount)
    run = next(
        (
            r
            for r in runs
            if r.payment_info_id in ids
            or r.message_id in ids
            or (r.payment_info_id and r.payment_info_id in row.reference)
            or (r.message_id and r.message_id in row.reference)
        ),
        None,
    )
    if run is None:
        return False
    booked = timezone.make_aware(datetime.combine(row.booking_date, time.min))
    payout_run_mark_paid(run=run, paid_at=booked, note=f"Bank {row.booking_date:%d.%m.%Y}")
    row.payout_run = run
    row.status = BankTransaction.Status.RUN_DEBIT
    return True


def _match_payout_return(row: BankTransaction, *, actor) -> bool:
    """A transfer the bank sent back: a credit with a return reason whose
    (original) end-to-end id is a credit note number of ours."""
    if row.amount <= 0 or not row.end_to_end_id.startswith("GS-"):
        return False
    entry = (
        PayoutRunEntry.objects.filter(
            end_to_end_id=row.end_to_end_id,
            outcome__in=[PayoutRunEntry.Outcome.IN_RUN, PayoutRunEntry.Outcome.PAID],
        )
        .order_by("-run_id")
        .first()
    )
    if entry is None or entry.gross != row.amount:
        return False
    payout_item_return(
        item=entry.item,
        reason=row.return_reason or "MS03",
        actor=actor,
        note=f"Bank {row.booking_date:%d.%m.%Y}",
    )
    row.payout_run_id = entry.run_id
    row.payout_item_id = entry.item_id
    row.status = BankTransaction.Status.PAYOUT_RETURNED
    return True


def _collection_for_batch(row: BankTransaction):
    """A submitted collection and the debits a collective credit stands for:
    a payment information block (or the whole file by its message id) whose
    total is the amount."""
    ids = {x for x in (row.batch_id, row.end_to_end_id) if x}
    # Banks book the credit on the collection date or a few days later.
    recent = DebitCollection.objects.filter(
        status=DebitCollection.Status.SUBMITTED,
        collection_date__gte=row.booking_date - timedelta(days=45),
        collection_date__lte=row.booking_date + timedelta(days=5),
    )
    for collection in recent.order_by("pk"):
        for batch in collection.batches:
            if (batch["id"] in ids or (batch["id"] and batch["id"] in row.reference)) and Decimal(
                batch["total"]
            ) == row.amount:
                return collection, collection.debits.filter(sequence_type=batch["sequence"])
        if (
            collection.message_id
            and (collection.message_id in ids or collection.message_id in row.reference)
            and collection.total == row.amount
        ):
            return collection, collection.debits.all()
    return None, None


def _match_debit_batch(row: BankTransaction, *, actor) -> bool:
    if row.amount <= 0 or row.return_reason:
        return False
    if not (row.batch_id or row.end_to_end_id or row.reference):
        return False
    collection, debits = _collection_for_batch(row)
    if collection is None:
        return False
    done = 0
    for debit in debits.filter(status=OrderDebit.Status.SUBMITTED).order_by("pk"):
        done += order_debit_collect(
            debit=debit, collected_on=row.booking_date, actor=actor, note=row.bank_reference
        )
    row.debit_collection = collection
    row.status = BankTransaction.Status.DEBITS_COLLECTED
    payout_log(
        action=PayoutLog.Action.DEBITS_COLLECTED,
        actor=actor,
        message=f"#{collection.pk} {collection.collection_date}: {done} orders paid, "
        f"{row.amount} EUR on {row.booking_date}",
    )
    return True


def _match_debit_single(row: BankTransaction, *, actor) -> bool:
    """One debit credited on its own line (banks that book each debit)."""
    if row.amount <= 0 or row.return_reason or not row.end_to_end_id:
        return False
    debit = (
        OrderDebit.objects.filter(
            end_to_end_id=row.end_to_end_id,
            status=OrderDebit.Status.SUBMITTED,
            amount=row.amount,
        )
        .order_by("-pk")
        .first()
    )
    if debit is None:
        return False
    order_debit_collect(
        debit=debit, collected_on=row.booking_date, actor=actor, note=row.bank_reference
    )
    row.order_id = debit.order_id
    row.order_debit = debit
    row.debit_collection_id = debit.collection_id
    row.status = BankTransaction.Status.DEBITS_COLLECTED
    return True


def _match_debit_return(row: BankTransaction, *, actor) -> bool:
    """A returned debit: a booking against us with a return reason (or a
    reversal) whose original end-to-end id is an order debit we submitted.
    The bank may add its fee to the amount: the company bears it."""
    if (
        row.amount >= 0
        or not row.end_to_end_id
        or not (row.return_reason or getattr(row, "reversal", False))
    ):
        return False
    debit = (
        OrderDebit.objects.filter(
            end_to_end_id=row.end_to_end_id,
            status__in=[OrderDebit.Status.SUBMITTED, OrderDebit.Status.COLLECTED],
        )
        .order_by("-pk")
        .first()
    )
    if debit is None or -row.amount < debit.amount:
        return False
    reason = row.return_reason if row.return_reason in DEBIT_RETURN_REASONS else "MS03"
    fee = -row.amount - debit.amount
    order_debit_return(
        debit=debit,
        reason=reason,
        returned_on=row.booking_date,
        actor=actor,
        note=f"Bank {row.booking_date:%d.%m.%Y}" + (f", bank fee {fee} EUR" if fee else ""),
    )
    row.order_id = debit.order_id
    row.order_debit = debit
    row.debit_collection_id = debit.collection_id
    row.status = BankTransaction.Status.DEBIT_RETURNED
    return True


# What the bank's lines can be besides a customer paying an order, asked in
# this order: the payout run's collective debit, a returned payout, a
# direct-debit collection credited as one, a debit credited on its own line, a
# returned debit.
BANK_MATCHERS = [
    _match_run_debit,
    _match_payout_return,
    _match_debit_batch,
    _match_debit_single,
    _match_debit_return,
]
