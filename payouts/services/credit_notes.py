"""Credit notes (Gutschriften): numbered per calendar year without gaps,
issued with a frozen copy of company and recipient, PDF and e-invoice stored
in the database, cancelled only by a cancelling note.
"""

from __future__ import annotations

import hashlib
from calendar import monthrange

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..documents import credit_note_amounts, credit_note_pdf
from ..einvoice import credit_note_xml
from ..models import CreditNote, CreditNoteCounter, PayoutItem, PayoutLog, PayoutProfile
from ..selectors import payout_profile_missing
from .audit import payout_log


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
