"""Writes of the payouts app: payout profile, bank statements, credit notes,
payout runs, SEPA direct debit (mandates, order debits, collections, returns)."""

from __future__ import annotations

import hashlib
import re
from calendar import monthrange
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from orders.models import Order
from orders.services import order_cancel, order_mark_paid, order_refund
from partners.models import Partner
from webhooks.models import EventType
from webhooks.services import webhook_events_record

from . import bank, events, sepa, validators
from .documents import credit_note_amounts, credit_note_pdf
from .einvoice import credit_note_xml
from .models import (
    DEBIT_RETURN_REASONS,
    RETURN_REASONS,
    BankStatement,
    BankTransaction,
    CreditNote,
    CreditNoteCounter,
    DebitCollection,
    DebitMandate,
    DebitNotice,
    OrderDebit,
    PayoutItem,
    PayoutLog,
    PayoutProfile,
    PayoutRun,
    PayoutRunEntry,
    SequenceType,
    TaxStatus,
    iban_mask,
)
from .selectors import payout_blockers, payout_profile_missing
from .tasks import iban_changed_notify


def payout_log(*, action: str, actor=None, partner=None, message: str = "", **links) -> PayoutLog:
    return PayoutLog.objects.create(
        action=action, actor=actor, partner=partner, message=message, **links
    )


def payout_profile_clean(
    *,
    iban: str,
    bic: str,
    country: str,
    tax_status: str,
    tax_number: str,
    vat_id: str,
) -> dict[str, str]:
    """Check the formats of the bank and tax fields against each other; returns
    the normalised values. Empty fields are allowed here (a profile may be saved
    half-done); what is missing for a payout is payout_profile_missing's job."""
    errors: dict[str, list] = {}
    clean = {"iban": "", "bic": "", "tax_number": "", "vat_id": "", "country": country.upper()}

    def check(field, func, value):
        if value.strip():
            try:
                clean[field] = func(value)
            except ValidationError as exc:
                errors.setdefault(field, []).extend(exc.messages)

    check("iban", validators.iban_normalise, iban)
    check("bic", validators.bic_normalise, bic)
    check("tax_number", validators.tax_number_normalise, tax_number)
    check("vat_id", validators.vat_id_normalise, vat_id)
    if tax_status and tax_status not in TaxStatus.values:
        errors.setdefault("tax_status", []).append(_("Choose one of the tax statuses."))
    if clean["vat_id"] and "vat_id" not in errors:
        vat_country = validators.vat_id_country(clean["vat_id"])
        if tax_status in (TaxStatus.REGULAR, TaxStatus.SMALL_BUSINESS) and vat_country != "DE":
            errors.setdefault("vat_id", []).append(
                _("A German business has a German VAT id (USt-IdNr, DE…).")
            )
        if tax_status == TaxStatus.REVERSE_CHARGE:
            if vat_country == "DE":
                errors.setdefault("vat_id", []).append(
                    _("Reverse charge is for businesses in another EU state, not Germany.")
                )
            elif vat_country != clean["country"]:
                errors.setdefault("vat_id", []).append(
                    _("The VAT id must belong to the country of your business address.")
                )
    if tax_status == TaxStatus.REVERSE_CHARGE and clean["country"] not in (
        validators.EU_COUNTRIES - {"DE"}
    ):
        errors.setdefault("country", []).append(
            _("Reverse charge needs a business address in another EU state.")
        )
    if tax_status in (TaxStatus.REGULAR, TaxStatus.SMALL_BUSINESS) and clean["country"] != "DE":
        errors.setdefault("country", []).append(_("This tax status is for businesses in Germany."))
    if errors:
        raise ValidationError(errors)
    return clean


@transaction.atomic
def payout_profile_save(
    *,
    partner: Partner,
    actor,
    account_holder: str,
    iban: str,
    bic: str = "",
    company_name: str = "",
    street: str,
    postal_code: str,
    city: str,
    country: str,
    tax_status: str,
    tax_number: str = "",
    vat_id: str = "",
    password: str = "",
) -> PayoutProfile:
    """Save the partner's payout profile. Setting or changing the IBAN needs the
    partner's password; a change of an existing IBAN holds their payouts for
    PAYOUT_IBAN_HOLD_DAYS and the partner gets an e-mail about it."""
    clean = payout_profile_clean(
        iban=iban,
        bic=bic,
        country=country,
        tax_status=tax_status,
        tax_number=tax_number,
        vat_id=vat_id,
    )
    profile, _created = PayoutProfile.objects.select_for_update().get_or_create(partner=partner)
    old_iban = profile.iban
    old_holder = profile.account_holder
    iban_changed = clean["iban"] != old_iban
    if iban_changed and not partner.user.check_password(password or ""):
        raise ValidationError({"password": _("Please enter your password to change your IBAN.")})
    for field, value in (
        ("account_holder", account_holder),
        ("company_name", company_name),
        ("street", street),
        ("postal_code", postal_code),
        ("city", city),
    ):
        setattr(profile, field, " ".join(value.split()))
    profile.iban = clean["iban"]
    profile.bic = clean["bic"]
    profile.country = clean["country"]
    profile.tax_status = tax_status
    profile.tax_number = clean["tax_number"]
    profile.vat_id = clean["vat_id"]
    now = timezone.now()
    if iban_changed:
        profile.iban_changed_at = now
        if old_iban:
            profile.hold_until = now + timedelta(days=settings.PAYOUT_IBAN_HOLD_DAYS)
    profile.save()
    payout_log(action=PayoutLog.Action.PROFILE_SAVED, actor=actor, partner=partner)
    if iban_changed:
        payout_log(
            action=PayoutLog.Action.IBAN_CHANGED,
            actor=actor,
            partner=partner,
            message=f"{iban_mask(old_iban) or '-'} -> {iban_mask(profile.iban) or '-'}",
        )
        iban_changed_notify.delay_on_commit(profile.pk)
    if iban_changed or profile.account_holder != old_holder:
        # Fixed details: payouts the bank sent back can go with a later run.
        for item in PayoutItem.objects.filter(partner=partner, status=PayoutItem.Status.RETURNED):
            payout_item_release(item=item, actor=actor, note="bank details changed")
    return profile


# ------------------------------------------------------------ bank statements

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


# Matchers for the company's own payouts (runs, returns) are added with the runs.
BANK_MATCHERS: list = []


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


# --------------------------------------------------------------- credit notes


def credit_note_number_next(*, year: int) -> tuple[int, str]:
    """Draw the next number of the calendar year: GS-2026-000001. Call inside
    the transaction that saves the note: the counter row stays locked until it
    commits (concurrent approvals queue here), and a rollback returns the number."""
    CreditNoteCounter.objects.bulk_create([CreditNoteCounter(year=year)], ignore_conflicts=True)
    counter = CreditNoteCounter.objects.select_for_update().get(year=year)
    counter.last += 1
    counter.save(update_fields=["last"])
    return counter.last, f"GS-{year}-{counter.last:06d}"


def company_snapshot() -> dict:
    return {
        "name": settings.COMPANY_NAME,
        "street": settings.COMPANY_STREET,
        "postal_code": settings.COMPANY_POSTAL_CODE,
        "city": settings.COMPANY_CITY,
        "country": settings.COMPANY_COUNTRY,
        "vat_id": settings.COMPANY_VAT_ID,
        "tax_number": settings.COMPANY_TAX_NUMBER,
    }


def recipient_snapshot(*, profile: PayoutProfile) -> dict:
    partner = profile.partner
    return {
        "name": profile.company_name or partner.full_name,
        "person": partner.full_name,
        "partner_number": partner.external_id or partner.slug,
        "street": profile.street,
        "postal_code": profile.postal_code,
        "city": profile.city,
        "country": profile.country,
        "tax_number": profile.tax_number,
        "vat_id": profile.vat_id,
        "account_holder": profile.account_holder,
        "iban_masked": profile.iban_masked,
    }


def _credit_note_render(note: CreditNote, *, iban: str) -> None:
    note.xml = credit_note_xml(note, iban=iban)
    note.pdf = credit_note_pdf(note, xml=note.xml)
    note.pdf_sha256 = hashlib.sha256(note.pdf).hexdigest()


@transaction.atomic
def credit_note_issue(*, item: PayoutItem, actor, issue_date=None) -> CreditNote:
    """Issue the Gutschrift of a payout item (once; commissions.md §5) with a
    gapless number, the amounts for the partner's tax status, the PDF and the
    EN 16931 XML. Runs inside the approval's transaction, so a failed approval
    gives its numbers back."""
    item = (
        PayoutItem.objects.select_for_update().select_related("statement__period").get(pk=item.pk)
    )
    if item.credit_note_id is not None:
        raise ValidationError(_("This payout already has its credit note."))
    profile = PayoutProfile.objects.select_related("partner").filter(partner=item.partner).first()
    missing = payout_profile_missing(profile=profile)
    if missing:
        raise ValidationError(" ".join(missing))
    issue_date = issue_date or timezone.localdate()
    amounts = credit_note_amounts(
        net=item.net, tax_status=profile.tax_status, vat_rate=settings.COMMISSION_VAT_RATE
    )
    start = item.statement.period.start
    sequence, number = credit_note_number_next(year=issue_date.year)
    note = CreditNote(
        number=number,
        year=issue_date.year,
        sequence=sequence,
        kind=CreditNote.Kind.CREDIT_NOTE,
        item=item,
        partner=item.partner,
        issue_date=issue_date,
        period_start=start,
        period_end=start.replace(day=monthrange(start.year, start.month)[1]),
        company=company_snapshot(),
        recipient=recipient_snapshot(profile=profile),
        tax_status=profile.tax_status,
        net=amounts.net,
        vat_rate=amounts.vat_rate,
        vat=amounts.vat,
        gross=amounts.gross,
        tax_note=amounts.tax_note,
        issued_by=actor,
    )
    _credit_note_render(note, iban=profile.iban)
    note.save()
    item.credit_note = note
    item.save(update_fields=["credit_note", "updated_at"])
    payout_log(
        action=PayoutLog.Action.CREDIT_NOTE_ISSUED,
        actor=actor,
        partner=item.partner,
        message=f"{number}: {amounts.gross} EUR",
    )
    return note


@transaction.atomic
def credit_note_cancel(*, note: CreditNote, actor, reason: str) -> CreditNote:
    """Cancel a credit note by a cancelling credit note with its own number and
    the negative amounts. The original stays as it is. A payout not yet paid
    gets a new credit note with its next run."""
    reason = reason.strip()
    if not reason:
        raise ValidationError(_("Say why the credit note is cancelled."))
    note = CreditNote.objects.select_for_update().get(pk=note.pk)
    if note.kind != CreditNote.Kind.CREDIT_NOTE:
        raise ValidationError(_("A cancelling credit note cannot be cancelled."))
    if CreditNote.objects.filter(cancels=note).exists():
        raise ValidationError(_("This credit note is already cancelled."))
    item = PayoutItem.objects.select_for_update().get(pk=note.item_id)
    if item.status == PayoutItem.Status.IN_RUN:
        raise ValidationError(
            _("The payout of this credit note is on its way to the bank; wait for the run.")
        )
    issue_date = timezone.localdate()
    sequence, number = credit_note_number_next(year=issue_date.year)
    cancelling = CreditNote(
        number=number,
        year=issue_date.year,
        sequence=sequence,
        kind=CreditNote.Kind.CANCELLATION,
        cancels=note,
        item=item,
        partner=note.partner,
        issue_date=issue_date,
        period_start=note.period_start,
        period_end=note.period_end,
        company=note.company,
        recipient=note.recipient,
        tax_status=note.tax_status,
        net=-note.net,
        vat_rate=note.vat_rate,
        vat=-note.vat,
        gross=-note.gross,
        tax_note=note.tax_note,
        issued_by=actor,
    )
    _credit_note_render(cancelling, iban="")
    cancelling.save()
    if item.credit_note_id == note.pk and item.status != PayoutItem.Status.PAID:
        item.credit_note = None
        item.save(update_fields=["credit_note", "updated_at"])
    payout_log(
        action=PayoutLog.Action.CREDIT_NOTE_CANCELLED,
        actor=actor,
        partner=note.partner,
        message=f"{number} cancels {note.number}: {reason}",
    )
    return cancelling


# ---------------------------------------------------------------- payout runs


def payout_items_sync() -> int:
    """A payout item for every statement with payout > 0 that has none yet
    (statements of closed periods never change). Returns how many were made."""
    from commissions.models import Statement

    new = [
        PayoutItem(statement=statement, partner_id=statement.partner_id, net=statement.payout)
        for statement in Statement.objects.filter(payout__gt=0, payout_item__isnull=True)
        .order_by("pk")
        .only("pk", "partner_id", "payout")
    ]
    PayoutItem.objects.bulk_create(new, ignore_conflicts=True)
    return len(new)


def _require_perm(actor, perm: str, message: str) -> None:
    if actor is None or not actor.has_perm(perm):
        raise PermissionDenied(message)


@transaction.atomic
def payout_run_prepare(*, actor) -> PayoutRun:
    """A run from every payable item whose partner has a complete payout profile
    and no IBAN-change hold. The rest stay payable and are listed on the run
    with what is missing."""
    _require_perm(actor, "payouts.prepare_payoutrun", _("You may not prepare payout runs."))
    payout_items_sync()
    # One run waits for approval at a time: preparing again adds what became
    # payable to it, and whoever did so may not approve it either.
    open_run = (
        PayoutRun.objects.select_for_update()
        .filter(status=PayoutRun.Status.PREPARED)
        .order_by("pk")
        .first()
    )
    items = list(
        PayoutItem.objects.select_for_update()
        .filter(status=PayoutItem.Status.PAYABLE)
        .order_by("pk")
    )
    profiles = {
        p.partner_id: p
        for p in PayoutProfile.objects.filter(partner_id__in={i.partner_id for i in items})
    }
    now = timezone.now()
    ready, skipped = [], []
    for item in items:
        blockers = payout_blockers(profile=profiles.get(item.partner_id), at=now)
        if blockers:
            # Ids only: names are shown at read time (selectors.payout_run_left_out).
            skipped.append(
                {
                    "partner_id": item.partner_id,
                    "item": item.pk,
                    "net": str(item.net),
                    "missing": [str(b) for b in blockers],
                }
            )
        else:
            ready.append(item)
    if not ready and open_run is None:
        raise ValidationError(
            _("No payout can be made now: %(count)d payable, none with complete details.")
            % {"count": len(items)}
        )
    if open_run is None:
        run = PayoutRun.objects.create(prepared_by=actor, skipped=skipped)
    else:
        run = open_run
        run.skipped = skipped
        run.save(update_fields=["skipped"])
    run.contributors.add(actor)
    PayoutRunEntry.objects.bulk_create(
        [
            PayoutRunEntry(
                run=run,
                item=item,
                gross=item.credit_note.gross if item.credit_note_id else _gross_of(item, profiles),
            )
            for item in ready
        ]
    )
    PayoutItem.objects.filter(pk__in=[i.pk for i in ready]).update(
        status=PayoutItem.Status.IN_RUN, updated_at=now
    )
    run.total = sum(
        (e.gross for e in run.entries.filter(outcome=PayoutRunEntry.Outcome.IN_RUN)), Decimal("0")
    )
    run.save(update_fields=["total"])
    payout_log(
        action=PayoutLog.Action.RUN_PREPARED,
        actor=actor,
        payout_run=run,
        message=f"{len(ready)} payouts, {run.total} EUR; {len(skipped)} left out",
    )
    return run


def _gross_of(item: PayoutItem, profiles: dict) -> Decimal:
    profile = profiles[item.partner_id]
    return credit_note_amounts(
        net=item.net, tax_status=profile.tax_status, vat_rate=settings.COMMISSION_VAT_RATE
    ).gross


def _run_lock(run: PayoutRun) -> PayoutRun:
    return PayoutRun.objects.select_for_update().get(pk=run.pk)


@transaction.atomic
def payout_run_approve(*, run: PayoutRun, actor, execution_date=None) -> PayoutRun:
    """Four eyes: another admin than the preparer approves. Issues the credit
    notes (a returned item keeps its existing one) and writes the SEPA file."""
    _require_perm(actor, "payouts.approve_payoutrun", _("You may not approve payout runs."))
    run = _run_lock(run)
    if run.status != PayoutRun.Status.PREPARED:
        raise ValidationError(
            _("Only a prepared run can be approved; this one is %(status)s.")
            % {"status": run.get_status_display()}
        )
    if run.prepared_by_id == actor.pk or run.contributors.filter(pk=actor.pk).exists():
        raise ValidationError(
            _("You prepared this run yourself; another admin has to approve it (four eyes).")
        )
    now = timezone.now()
    transfers = []
    entries = list(
        run.entries.select_for_update()
        .select_related("item__statement__period")
        .filter(outcome=PayoutRunEntry.Outcome.IN_RUN)
        .order_by("item_id")
    )
    profiles = {
        p.partner_id: p
        for p in PayoutProfile.objects.filter(partner_id__in={e.item.partner_id for e in entries})
    }
    for entry in entries:
        item = entry.item
        profile = profiles.get(item.partner_id)
        blockers = payout_blockers(profile=profile, at=now)
        if blockers:  # e.g. the IBAN was changed after the run was prepared
            entry.outcome = PayoutRunEntry.Outcome.REMOVED
            entry.note = " ".join(str(b) for b in blockers)[:255]
            entry.save(update_fields=["outcome", "note"])
            PayoutItem.objects.filter(pk=item.pk).update(
                status=PayoutItem.Status.PAYABLE, updated_at=now
            )
            continue
        note = item.credit_note or credit_note_issue(item=item, actor=actor)
        entry.gross = note.gross
        entry.account_holder = profile.account_holder
        entry.iban = profile.iban
        entry.bic = profile.bic
        entry.end_to_end_id = note.number
        entry.remittance = f"Provision {item.statement.period.label} {note.number}"
        entry.save()
        transfers.append(
            sepa.Transfer(
                name=entry.account_holder,
                iban=entry.iban,
                bic=entry.bic,
                amount=entry.gross,
                end_to_end_id=entry.end_to_end_id,
                remittance=entry.remittance,
            )
        )
    if not transfers:
        raise ValidationError(_("No payout of this run can be made any more; cancel the run."))
    run.execution_date = execution_date or timezone.localdate()
    made = sepa.sepa_credit_transfer(transfers=transfers, execution_date=run.execution_date)
    run.sepa_xml = made.xml
    run.sepa_sha256 = hashlib.sha256(made.xml).hexdigest()
    run.message_id = made.message_id
    run.payment_info_id = made.payment_info_id
    run.total = sum((t.amount for t in transfers), Decimal("0"))
    run.status = PayoutRun.Status.APPROVED
    run.approved_by = actor
    run.approved_at = now
    run.save()
    payout_log(
        action=PayoutLog.Action.RUN_APPROVED,
        actor=actor,
        payout_run=run,
        message=f"{len(transfers)} transfers, {run.total} EUR, SHA-256 {run.sepa_sha256}",
    )
    return run


@transaction.atomic
def payout_run_cancel(*, run: PayoutRun, actor) -> PayoutRun:
    """Before approval only: the items go back to payable."""
    _require_perm(actor, "payouts.prepare_payoutrun", _("You may not cancel payout runs."))
    run = _run_lock(run)
    if run.status != PayoutRun.Status.PREPARED:
        raise ValidationError(_("Only a run that is not approved yet can be cancelled."))
    entries = run.entries.filter(outcome=PayoutRunEntry.Outcome.IN_RUN)
    PayoutItem.objects.filter(pk__in=entries.values("item_id")).update(
        status=PayoutItem.Status.PAYABLE, updated_at=timezone.now()
    )
    entries.update(outcome=PayoutRunEntry.Outcome.REMOVED, note="run cancelled")
    run.status = PayoutRun.Status.CANCELLED
    run.cancelled_by = actor
    run.cancelled_at = timezone.now()
    run.save(update_fields=["status", "cancelled_by", "cancelled_at"])
    payout_log(action=PayoutLog.Action.RUN_CANCELLED, actor=actor, payout_run=run)
    return run


@transaction.atomic
def payout_run_mark_paid(*, run: PayoutRun, actor=None, paid_at=None, note: str = "") -> PayoutRun:
    """The bank confirmed the run (its debit on the statement, or an admin)."""
    if actor is not None:
        _require_perm(actor, "payouts.approve_payoutrun", _("You may not mark payout runs paid."))
    run = _run_lock(run)
    if run.status != PayoutRun.Status.APPROVED:
        raise ValidationError(_("Only an approved run can be marked paid."))
    paid_at = paid_at or timezone.now()
    entries = run.entries.filter(outcome=PayoutRunEntry.Outcome.IN_RUN)
    PayoutItem.objects.filter(
        pk__in=entries.values("item_id"), status=PayoutItem.Status.IN_RUN
    ).update(status=PayoutItem.Status.PAID, paid_at=paid_at, updated_at=timezone.now())
    entries.update(outcome=PayoutRunEntry.Outcome.PAID)
    run.status = PayoutRun.Status.PAID
    run.paid_by = actor
    run.paid_at = paid_at
    run.save(update_fields=["status", "paid_by", "paid_at"])
    payout_log(action=PayoutLog.Action.RUN_PAID, actor=actor, payout_run=run, message=note)
    events.payout_run_paid.send(sender=PayoutRun, run=run)
    webhook_events_record(
        event_type=EventType.PAYOUT_PAID,
        payloads=lambda: _payout_payloads(run.entries.filter(outcome=PayoutRunEntry.Outcome.PAID)),
    )
    return run


def _payout_payloads(entries):
    """`payout.paid` / `payout.returned` payloads, one per run entry: ids, the
    amount, the credit note number and the period; no name, IBAN or address."""
    rows = entries.order_by("pk").values_list(
        "item_id",
        "run_id",
        "gross",
        "return_reason",
        "item__partner_id",
        "item__partner__slug",
        "item__net",
        "item__credit_note__number",
        "item__statement__period_id",
        "item__statement__period__start",
        "item__paid_at",
        "item__returned_at",
    )
    for (
        item_id,
        run_id,
        gross,
        reason,
        partner_id,
        slug,
        net,
        note_number,
        period_id,
        period_start,
        paid_at,
        returned_at,
    ) in rows.iterator(chunk_size=2000):
        payload = {
            "item_id": item_id,
            "run_id": run_id,
            "partner": {"id": partner_id, "slug": slug},
            "amount": gross,
            "net": net,
            "currency": "EUR",
            "credit_note_number": note_number,
            "period": {"id": period_id, "label": f"{period_start:%Y-%m}"},
        }
        if reason:
            payload["return_reason"] = reason
            payload["returned_at"] = returned_at
        else:
            payload["paid_at"] = paid_at
        yield payload


@transaction.atomic
def payout_item_return(*, item: PayoutItem, reason: str, actor=None, note: str = "") -> PayoutItem:
    """The bank sent a transfer back (reason code AC01, AC04, MD07, ...). The
    item waits until the partner fixed their details; its credit note stays."""
    reason = reason.strip().upper()
    if reason not in RETURN_REASONS:
        raise ValidationError(
            _("Unknown return reason %(code)s; known are %(codes)s.")
            % {"code": reason or "-", "codes": ", ".join(RETURN_REASONS)}
        )
    item = PayoutItem.objects.select_for_update().get(pk=item.pk)
    entry = (
        item.entries.select_for_update()
        .filter(
            outcome__in=[PayoutRunEntry.Outcome.IN_RUN, PayoutRunEntry.Outcome.PAID],
            run__status__in=[PayoutRun.Status.APPROVED, PayoutRun.Status.PAID],
        )
        .order_by("-run_id")
        .first()
    )
    if item.status not in (PayoutItem.Status.IN_RUN, PayoutItem.Status.PAID) or entry is None:
        raise ValidationError(_("Only a payout sent to the bank can come back."))
    entry.outcome = PayoutRunEntry.Outcome.RETURNED
    entry.return_reason = reason
    entry.save(update_fields=["outcome", "return_reason"])
    item.status = PayoutItem.Status.RETURNED
    item.return_reason = reason
    item.returned_at = timezone.now()
    item.paid_at = None
    item.save(update_fields=["status", "return_reason", "returned_at", "paid_at", "updated_at"])
    payout_log(
        action=PayoutLog.Action.ITEM_RETURNED,
        actor=actor,
        partner=item.partner,
        payout_run=entry.run,
        message=f"{entry.end_to_end_id} {reason} {RETURN_REASONS[reason]} {note}".strip(),
    )
    events.payout_item_returned.send(sender=PayoutItem, item=item, entry=entry)
    webhook_events_record(
        event_type=EventType.PAYOUT_RETURNED,
        payloads=lambda: _payout_payloads(PayoutRunEntry.objects.filter(pk=entry.pk)),
    )
    return item


@transaction.atomic
def payout_item_release(*, item: PayoutItem, actor=None, note: str = "") -> PayoutItem:
    """A returned payout becomes payable again (the partner fixed their details);
    a later run pays it under its existing credit note."""
    item = PayoutItem.objects.select_for_update().get(pk=item.pk)
    if item.status != PayoutItem.Status.RETURNED:
        raise ValidationError(_("Only a returned payout can be released again."))
    item.status = PayoutItem.Status.PAYABLE
    item.save(update_fields=["status", "updated_at"])
    payout_log(
        action=PayoutLog.Action.ITEM_RELEASED, actor=actor, partner=item.partner, message=note
    )
    return item


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


BANK_MATCHERS.extend([_match_run_debit, _match_payout_return])


# ---------------------------------------------------------- SEPA direct debit

# The standard SEPA core mandate wording (Deutsche Kreditwirtschaft / EPC),
# recurrent, with the shortened pre-notification the customer agrees to.
MANDATE_TEXTS = {
    "de": (
        "SEPA-Lastschriftmandat (wiederkehrende Zahlungen)\n"
        "Zahlungsempfänger: {company}, {street}, {postal_code} {city}\n"
        "Gläubiger-Identifikationsnummer: {creditor_id}\n"
        "Mandatsreferenz: wird separat mitgeteilt\n\n"
        "Ich ermächtige {company}, Zahlungen von meinem Konto mittels Lastschrift "
        "einzuziehen. Zugleich weise ich mein Kreditinstitut an, die von {company} auf "
        "mein Konto gezogenen Lastschriften einzulösen.\n\n"
        "Hinweis: Ich kann innerhalb von acht Wochen, beginnend mit dem Belastungsdatum, "
        "die Erstattung des belasteten Betrages verlangen. Es gelten dabei die mit meinem "
        "Kreditinstitut vereinbarten Bedingungen.\n\n"
        "Die Vorabankündigung (Pre-Notification) jeder Lastschrift erhalte ich spätestens "
        "{days} Kalendertage vor der Fälligkeit per E-Mail."
    ),
    "en": (
        "SEPA Direct Debit Mandate (recurrent payments)\n"
        "Creditor: {company}, {street}, {postal_code} {city}\n"
        "Creditor identifier: {creditor_id}\n"
        "Mandate reference: to be communicated separately\n\n"
        "By agreeing to this mandate, you authorise (A) {company} to send instructions to "
        "your bank to debit your account and (B) your bank to debit your account in "
        "accordance with the instructions from {company}.\n\n"
        "As part of your rights, you are entitled to a refund from your bank under the "
        "terms and conditions of your agreement with your bank. A refund must be claimed "
        "within 8 weeks starting from the date on which your account was debited.\n\n"
        "You will be told of each debit by e-mail at least {days} calendar days before it "
        "is due (pre-notification)."
    ),
}


def mandate_text(*, language: str) -> str:
    """The mandate wording to show the customer (and to store with the mandate)
    in German or English, with the company's name, address and creditor id."""
    template = MANDATE_TEXTS.get((language or "")[:2].lower())
    if template is None:
        raise ValidationError(
            _("The mandate text exists in German and English only, not in %(language)s.")
            % {"language": language or "-"}
        )
    return template.format(
        company=settings.COMPANY_NAME,
        street=settings.COMPANY_STREET,
        postal_code=settings.COMPANY_POSTAL_CODE,
        city=settings.COMPANY_CITY,
        creditor_id=validators.creditor_id_normalise(settings.SEPA_CREDITOR_ID),
        days=settings.SEPA_PRENOTIFICATION_DAYS,
    )


# Unambiguous upper-case letters and digits, like order numbers.
_REFERENCE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


def _mandate_reference_new(*, at) -> str:
    """MD-20261130-7KQ4MXPA2Z: date of signing and 10 random characters (SEPA
    charset, 20 long); unique by the database constraint."""
    import secrets

    code = "".join(secrets.choice(_REFERENCE_ALPHABET) for _i in range(10))
    return f"MD-{timezone.localtime(at):%Y%m%d}-{code}"


@transaction.atomic
def debit_mandate_create(
    *,
    customer,
    account_holder: str,
    iban: str,
    mandate_text: str,
    language: str,
    signed_at=None,
    bic: str = "",
) -> DebitMandate:
    """Store the mandate the customer gave at checkout: their bank details
    (checked and normalised), the text exactly as shown, its language and the
    date. Gets a new mandate reference. Raises ValidationError per field."""
    errors: dict[str, list] = {}
    holder = " ".join((account_holder or "").split())
    if not holder:
        errors["account_holder"] = [_("Please enter the account holder.")]
    elif len(holder) > 70:
        errors["account_holder"] = [_("The account holder may have at most 70 characters.")]
    clean_iban = clean_bic = ""
    if not (iban or "").strip():
        errors["iban"] = [_("Please enter the IBAN.")]
    else:
        try:
            clean_iban = validators.iban_normalise(iban)
        except ValidationError as exc:
            errors["iban"] = exc.messages
        else:
            if not _iban_in_sepa(clean_iban):
                errors["iban"] = [_("This IBAN is not in the SEPA area.")]
    if (bic or "").strip():
        try:
            clean_bic = validators.bic_normalise(bic)
        except ValidationError as exc:
            errors["bic"] = exc.messages
    if not (mandate_text or "").strip():
        errors["mandate_text"] = [_("The mandate text shown to the customer is missing.")]
    lang = (language or "")[:2].lower()
    if lang not in MANDATE_TEXTS:
        errors["language"] = [_("The mandate language must be German or English.")]
    if customer is None or customer.pk is None:
        errors["customer"] = [_("The mandate needs a customer.")]
    if errors:
        raise ValidationError(errors)
    signed_at = signed_at or timezone.now()
    for _attempt in range(5):
        reference = _mandate_reference_new(at=signed_at)
        if not DebitMandate.objects.filter(reference=reference).exists():
            break
    return DebitMandate.objects.create(
        customer=customer,
        reference=reference,
        account_holder=holder,
        iban=clean_iban,
        bic=clean_bic,
        mandate_text=mandate_text,
        language=lang,
        creditor_id=validators.creditor_id_normalise(settings.SEPA_CREDITOR_ID),
        signed_at=signed_at,
        evidence_date=timezone.localdate(signed_at),
    )


def _iban_in_sepa(iban: str) -> bool:
    from schwifty import IBAN

    return IBAN(iban).in_sepa_zone


@transaction.atomic
def debit_mandate_revoke(*, mandate: DebitMandate, at=None) -> DebitMandate:
    """The customer withdrew the mandate: no new debit may use it; debits
    already scheduled on it are cancelled only through their order."""
    mandate = DebitMandate.objects.select_for_update().get(pk=mandate.pk)
    if mandate.status == DebitMandate.Status.REVOKED:
        return mandate
    mandate.status = DebitMandate.Status.REVOKED
    mandate.revoked_at = at or timezone.now()
    mandate.save(update_fields=["status", "revoked_at", "updated_at"])
    return mandate


@transaction.atomic
def order_debit_schedule(*, order: Order, mandate: DebitMandate, due_date) -> OrderDebit:
    """Collect `order` (pending, payment by direct debit) from `mandate` on
    `due_date` or the first collection date after it. Idempotent per order: a
    second call returns the same debit (moved to the new mandate/date while it
    is only scheduled)."""
    order = Order.objects.select_for_update().get(pk=order.pk)
    existing = OrderDebit.objects.select_for_update().filter(order=order).first()
    if existing is not None and existing.status != OrderDebit.Status.SCHEDULED:
        if existing.mandate_id == mandate.pk and existing.due_date == due_date:
            return existing
        raise ValidationError(
            _("The direct debit of order %(number)s is already %(status)s.")
            % {"number": order.number, "status": existing.get_status_display()}
        )
    if order.payment_method != Order.PaymentMethod.DIRECT_DEBIT:
        raise ValidationError(
            _("Order %(number)s is not paid by direct debit.") % {"number": order.number}
        )
    if order.status != Order.Status.PENDING:
        raise ValidationError(
            _("Only a pending order can be collected; order %(number)s is %(status)s.")
            % {"number": order.number, "status": order.get_status_display()}
        )
    if order.currency != "EUR" or order.total <= 0:
        raise ValidationError(_("A direct debit collects a positive amount in euros."))
    mandate = DebitMandate.objects.get(pk=mandate.pk)
    if mandate.customer_id != order.customer_id:
        raise ValidationError(_("This mandate belongs to another customer."))
    if mandate.status != DebitMandate.Status.ACTIVE:
        raise ValidationError(
            _("Mandate %(reference)s was revoked.") % {"reference": mandate.reference}
        )
    if existing is not None:
        existing.mandate = mandate
        existing.due_date = due_date
        existing.amount = order.total
        existing.save(update_fields=["mandate", "due_date", "amount", "updated_at"])
        return existing
    return OrderDebit.objects.create(
        order=order,
        mandate=mandate,
        amount=order.total,
        due_date=due_date,
        end_to_end_id=order.number[:35],
    )


# ------------------------------------------------- direct debit collections


def _collection_lock(collection: DebitCollection) -> DebitCollection:
    return DebitCollection.objects.select_for_update().get(pk=collection.pk)


def collection_date_check(*, collection_date, today=None) -> None:
    """A collection date is a TARGET2 day, far enough ahead for the file to
    reach the customer's bank one TARGET2 day before (SEPA core, D-1)."""
    today = today or timezone.localdate()
    if not sepa.target2_business_day(collection_date):
        raise ValidationError(
            {
                "collection_date": _(
                    "%(date)s is no TARGET2 business day (weekend, 1 January, Good Friday, "
                    "Easter Monday, 1 May, 25 or 26 December): choose another collection date."
                )
                % {"date": collection_date.strftime("%d.%m.%Y")}
            }
        )
    earliest = sepa.collection_date_earliest(today=today)
    if collection_date < earliest:
        raise ValidationError(
            {
                "collection_date": _(
                    "The bank needs the file one business day before the collection date: "
                    "the earliest collection date is now %(date)s."
                )
                % {"date": earliest.strftime("%d.%m.%Y")}
            }
        )


def _debit_collectable(debit: OrderDebit) -> bool:
    order = debit.order
    return (
        order.status == Order.Status.PENDING
        and order.payment_method == Order.PaymentMethod.DIRECT_DEBIT
        and debit.mandate.status == DebitMandate.Status.ACTIVE
    )


@transaction.atomic
def debit_collection_prepare(*, collection_date, actor, today=None) -> DebitCollection:
    """Gather the scheduled debits due by `collection_date` into that date's
    collection (one per date; a prepared one takes the newly due debits too).
    FRST for a mandate's first collection, RCUR after; a mandate gives at most
    one FRST per collection (its further debits wait for the next one). Debits
    of orders no longer pending are cancelled; those of a revoked mandate wait
    for an admin. Another admin approves (debit_collection_approve)."""
    _require_perm(
        actor,
        "payouts.prepare_debitcollection",
        _("You may not prepare direct debit collections."),
    )
    collection_date_check(collection_date=collection_date, today=today)
    collection = (
        DebitCollection.objects.select_for_update()
        .filter(collection_date=collection_date)
        .exclude(status=DebitCollection.Status.CANCELLED)
        .first()
    )
    if collection is not None and collection.status != DebitCollection.Status.PREPARED:
        raise ValidationError(
            _("The collection of %(date)s is already %(status)s; choose a later collection date.")
            % {
                "date": collection_date.strftime("%d.%m.%Y"),
                "status": collection.get_status_display(),
            }
        )
    debits = list(
        OrderDebit.objects.select_for_update()
        .select_related("order", "mandate")
        .filter(
            status=OrderDebit.Status.SCHEDULED,
            collection__isnull=True,
            due_date__lte=collection_date,
        )
        .order_by("due_date", "pk")
    )
    now = timezone.now()
    taken: list[OrderDebit] = []
    first_used: set[int] = set(
        collection.debits.filter(sequence_type=SequenceType.FIRST).values_list(
            "mandate_id", flat=True
        )
        if collection is not None
        else []
    )
    for debit in debits:
        if debit.order.status != Order.Status.PENDING:
            # Paid another way or cancelled: nothing to collect any more.
            debit.status = OrderDebit.Status.CANCELLED
            debit.save(update_fields=["status", "updated_at"])
            continue
        if not _debit_collectable(debit):
            continue
        if debit.mandate.first_collected_at is None:
            if debit.mandate_id in first_used:
                continue
            first_used.add(debit.mandate_id)
            debit.sequence_type = SequenceType.FIRST
        else:
            debit.sequence_type = SequenceType.RECURRING
        debit.amount = debit.order.total
        taken.append(debit)
    if not taken and collection is None:
        raise ValidationError(
            _("No direct debit is due by %(date)s.")
            % {"date": collection_date.strftime("%d.%m.%Y")}
        )
    if collection is None:
        collection = DebitCollection.objects.create(
            collection_date=collection_date, prepared_by=actor
        )
    for debit in taken:
        debit.collection = collection
        debit.save(update_fields=["collection", "sequence_type", "amount", "updated_at"])
    _collection_totals(collection)
    collection.prepared_by = actor
    collection.prepared_at = now
    collection.save(update_fields=["total", "count", "prepared_by", "prepared_at"])
    # Four eyes: whoever prepared or added to it never approves it.
    collection.contributors.add(actor)
    payout_log(
        action=PayoutLog.Action.COLLECTION_PREPARED,
        actor=actor,
        message=f"#{collection.pk} {collection_date}: {collection.count} debits, "
        f"{collection.total} EUR",
    )
    return collection


def _collection_totals(collection: DebitCollection) -> None:
    amounts = list(collection.debits.values_list("amount", flat=True))
    collection.count = len(amounts)
    collection.total = sum(amounts, Decimal("0"))


@transaction.atomic
def debit_collection_approve(*, collection: DebitCollection, actor, today=None) -> DebitCollection:
    """Four eyes: another admin than the preparer approves; the pain.008.001.08
    file is written now (debits whose order or mandate changed meanwhile are
    taken out and wait for a later collection)."""
    _require_perm(
        actor,
        "payouts.approve_debitcollection",
        _("You may not approve direct debit collections."),
    )
    collection = _collection_lock(collection)
    if collection.status != DebitCollection.Status.PREPARED:
        raise ValidationError(
            _("Only a prepared collection can be approved; this one is %(status)s.")
            % {"status": collection.get_status_display()}
        )
    if (
        collection.prepared_by_id == actor.pk
        or collection.contributors.filter(pk=actor.pk).exists()
    ):
        raise ValidationError(
            _("You prepared this collection yourself; another admin has to approve it.")
        )
    collection_date_check(collection_date=collection.collection_date, today=today)
    debits = list(
        collection.debits.select_for_update()
        .select_related("order", "mandate")
        .order_by("sequence_type", "pk")
    )
    entries = []
    for debit in debits:
        if not _debit_collectable(debit):
            debit.collection = None
            debit.sequence_type = ""
            debit.status = (
                OrderDebit.Status.SCHEDULED
                if debit.order.status == Order.Status.PENDING
                else OrderDebit.Status.CANCELLED
            )
            debit.save(update_fields=["collection", "sequence_type", "status", "updated_at"])
            continue
        mandate = debit.mandate
        entries.append(
            sepa.Debit(
                name=mandate.account_holder,
                iban=mandate.iban,
                bic=mandate.bic,
                amount=debit.amount,
                sequence_type=debit.sequence_type,
                mandate_reference=mandate.reference,
                mandate_signed=timezone.localdate(mandate.signed_at),
                end_to_end_id=debit.end_to_end_id,
                remittance=f"{settings.COMPANY_NAME} {debit.order.number}",
            )
        )
    if not entries:
        raise ValidationError(_("No debit of this collection can be made any more; cancel it."))
    made = sepa.sepa_direct_debit(
        debits=entries,
        collection_date=collection.collection_date,
        creditor_id=validators.creditor_id_normalise(settings.SEPA_CREDITOR_ID),
    )
    _collection_totals(collection)
    collection.sepa_xml = made.xml
    collection.sepa_sha256 = hashlib.sha256(made.xml).hexdigest()
    collection.message_id = made.message_id
    collection.batches = made.batches
    collection.status = DebitCollection.Status.APPROVED
    collection.approved_by = actor
    collection.approved_at = timezone.now()
    collection.save()
    payout_log(
        action=PayoutLog.Action.COLLECTION_APPROVED,
        actor=actor,
        message=f"#{collection.pk} {collection.collection_date}: {collection.count} debits, "
        f"{collection.total} EUR, SHA-256 {collection.sepa_sha256}",
    )
    return collection


@transaction.atomic
def debit_collection_submit(*, collection: DebitCollection, actor) -> DebitCollection:
    """The approved file went to the bank: its debits are on their way, and
    each mandate has had its first collection (later ones are RCUR)."""
    _require_perm(
        actor,
        "payouts.approve_debitcollection",
        _("You may not mark direct debit collections submitted."),
    )
    collection = _collection_lock(collection)
    if collection.status != DebitCollection.Status.APPROVED:
        raise ValidationError(_("Only an approved collection can be marked submitted."))
    now = timezone.now()
    collection.debits.update(status=OrderDebit.Status.SUBMITTED, updated_at=now)
    mandate_ids = set(collection.debits.values_list("mandate_id", flat=True))
    mandates = DebitMandate.objects.filter(pk__in=mandate_ids)
    mandates.filter(first_collected_at__isnull=True).update(first_collected_at=now)
    last_used = timezone.make_aware(datetime.combine(collection.collection_date, time.min))
    mandates.update(
        last_used_at=last_used, evidence_date=collection.collection_date, updated_at=now
    )
    collection.status = DebitCollection.Status.SUBMITTED
    collection.submitted_by = actor
    collection.submitted_at = now
    collection.save(update_fields=["status", "submitted_by", "submitted_at"])
    payout_log(
        action=PayoutLog.Action.COLLECTION_SUBMITTED,
        actor=actor,
        message=f"#{collection.pk} {collection.collection_date}",
    )
    return collection


@transaction.atomic
def debit_collection_cancel(*, collection: DebitCollection, actor) -> DebitCollection:
    """Before it went to the bank: its debits are scheduled again (the date is free)."""
    _require_perm(
        actor,
        "payouts.prepare_debitcollection",
        _("You may not cancel direct debit collections."),
    )
    collection = _collection_lock(collection)
    if collection.status not in (
        DebitCollection.Status.PREPARED,
        DebitCollection.Status.APPROVED,
    ):
        raise ValidationError(_("A collection sent to the bank cannot be cancelled."))
    collection.debits.update(collection=None, sequence_type="", status=OrderDebit.Status.SCHEDULED)
    collection.status = DebitCollection.Status.CANCELLED
    collection.cancelled_at = timezone.now()
    collection.save(update_fields=["status", "cancelled_at"])
    payout_log(
        action=PayoutLog.Action.COLLECTION_CANCELLED,
        actor=actor,
        message=f"#{collection.pk} {collection.collection_date}",
    )
    return collection


def _booked_at(day) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


@transaction.atomic
def order_debit_collect(*, debit: OrderDebit, collected_on, actor=None, note: str = "") -> bool:
    """The bank credited the debit: the order is paid through orders' normal
    path (its volume books in the period of the collection). Once only: False
    when the debit is not waiting for its money."""
    debit = OrderDebit.objects.select_for_update().select_related("order").get(pk=debit.pk)
    if debit.status != OrderDebit.Status.SUBMITTED:
        return False
    paid_at = max(_booked_at(collected_on), debit.order.placed_at)
    if debit.order.status == Order.Status.PENDING:
        order_mark_paid(
            order=debit.order,
            paid_at=paid_at,
            changed_by=actor,
            payment_reference=(
                f"SEPA-Lastschrift {debit.mandate.reference} {collected_on:%d.%m.%Y} {note}"
            ).strip()[:255],
        )
    debit.status = OrderDebit.Status.COLLECTED
    debit.collected_at = paid_at
    debit.save(update_fields=["status", "collected_at", "updated_at"])
    return True


@transaction.atomic
def order_debit_return(
    *, debit: OrderDebit, reason: str, returned_on=None, actor=None, note: str = ""
) -> OrderDebit:
    """A Rücklastschrift: the customer's bank sent the debit back (AC04 closed,
    AM04 no funds, MD06 the customer asked for a refund, ...). The order is
    refunded by the refund rules (its volume reversed: into its own period
    while open, else the open one) or cancelled if it was not paid yet; the
    partner is charged no fee; the customer gets an e-mail; listeners hear
    payouts.events.debit_returned (the subscriptions pause after a second one)."""
    reason = (reason or "").strip().upper()
    if reason not in DEBIT_RETURN_REASONS:
        raise ValidationError(
            _("Unknown return reason %(code)s; known are %(codes)s.")
            % {"code": reason or "-", "codes": ", ".join(DEBIT_RETURN_REASONS)}
        )
    debit = (
        OrderDebit.objects.select_for_update().select_related("order", "mandate").get(pk=debit.pk)
    )
    if debit.status not in (OrderDebit.Status.SUBMITTED, OrderDebit.Status.COLLECTED):
        raise ValidationError(_("Only a debit sent to the bank can come back."))
    returned_at = _booked_at(returned_on) if returned_on else timezone.now()
    order = debit.order
    why = _("Direct debit returned by the bank: %(code)s %(reason)s") % {
        "code": reason,
        "reason": DEBIT_RETURN_REASONS[reason],
    }
    if order.status in (Order.Status.PAID, Order.Status.SHIPPED):
        order_refund(
            order=order,
            changed_by=actor,
            reason=why,
            refunded_at=max(returned_at, order.paid_at),
            provider_reference=f"SEPA-Rücklastschrift {debit.end_to_end_id} {reason}"[:255],
        )
    elif order.status == Order.Status.PENDING:
        order_cancel(order=order, changed_by=actor, reason=why)
    debit.status = OrderDebit.Status.RETURNED
    debit.return_reason = reason
    debit.returned_at = returned_at
    debit.save(update_fields=["status", "return_reason", "returned_at", "updated_at"])
    DebitNotice.objects.get_or_create(order_debit=debit, kind=DebitNotice.Kind.RETURNED)
    debit_notice_enqueue_on_commit(debit.pk)
    payout_log(
        action=PayoutLog.Action.DEBIT_RETURNED,
        actor=actor,
        message=f"{order.number} {debit.amount} EUR {reason} {note}".strip(),
    )
    order.refresh_from_db()
    events.debit_returned.send(
        sender=OrderDebit, order=order, reason_code=reason, order_debit=debit
    )
    return debit


def debit_notice_enqueue_on_commit(debit_id: int) -> None:
    from .tasks import debit_notice_enqueue

    transaction.on_commit(lambda: debit_notice_enqueue(debit_id))


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


BANK_MATCHERS.extend([_match_debit_batch, _match_debit_single, _match_debit_return])
