"""Reads of the payouts app."""

from __future__ import annotations

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from partners.models import Partner

from .models import OrderDebit, PayoutProfile, TaxStatus


def payout_profile_get(*, partner: Partner) -> PayoutProfile | None:
    return PayoutProfile.objects.filter(partner=partner).first()


def payout_profile_missing(*, profile: PayoutProfile | None) -> list[str]:
    """What is still missing before this partner can be paid, in plain words.
    Empty when the profile is complete. The one owner of "complete"."""
    if profile is None:
        return [_("Your payout details: account holder, IBAN, business address and tax status.")]
    missing = []
    if not profile.account_holder:
        missing.append(_("The account holder, exactly as your bank knows it."))
    if not profile.iban:
        missing.append(_("Your IBAN."))
    if not (profile.street and profile.postal_code and profile.city and profile.country):
        missing.append(_("Your business address (street, postal code, city, country)."))
    if not profile.tax_status:
        missing.append(_("Your tax status (regular, small business or EU reverse charge)."))
    elif profile.tax_status == TaxStatus.REGULAR and not (profile.tax_number or profile.vat_id):
        missing.append(_("Your tax number (Steuernummer) or VAT id (USt-IdNr)."))
    elif profile.tax_status == TaxStatus.SMALL_BUSINESS and not profile.tax_number:
        missing.append(_("Your tax number (Steuernummer); small businesses need it."))
    elif profile.tax_status == TaxStatus.REVERSE_CHARGE and not profile.vat_id:
        missing.append(_("The VAT id of your business in its EU state."))
    return missing


def payout_hold_active(*, profile: PayoutProfile | None, at=None) -> bool:
    at = at or timezone.now()
    return bool(profile and profile.hold_until and profile.hold_until > at)


def payout_blockers(*, profile: PayoutProfile | None, at=None) -> list[str]:
    """Everything that keeps a payout from being made now: what is missing, and a
    hold after an IBAN change."""
    blockers = payout_profile_missing(profile=profile)
    if payout_hold_active(profile=profile, at=at):
        blockers.append(
            _("Your IBAN was changed recently: payouts wait until %(date)s for your safety.")
            % {"date": timezone.localtime(profile.hold_until).strftime("%d.%m.%Y %H:%M")}
        )
    return blockers


def bank_transactions_open():
    """Lines an admin still has to look at: no match, wrong amount, already
    paid, duplicate; not yet resolved."""
    from .models import BankTransaction

    return BankTransaction.objects.filter(
        status__in=BankTransaction.NEEDS_ATTENTION, resolved_at__isnull=True
    ).order_by("booking_date", "pk")


def credit_notes_of(*, partner: Partner):
    from .models import CreditNote

    return (
        CreditNote.objects.filter(partner=partner)
        .defer("pdf", "xml")
        .order_by("-year", "-sequence")
    )


def payout_items_of(*, partner: Partner):
    from .models import PayoutItem

    return (
        PayoutItem.objects.filter(partner=partner)
        .select_related("statement__period", "credit_note")
        .defer("credit_note__pdf", "credit_note__xml")
        .order_by("-statement__period__start")
    )


def payout_item_status_text(*, item, profile: PayoutProfile | None, at=None) -> str:
    """An item's status as its partner reads it: a payable amount that cannot be
    paid yet says what it waits for (the bank details, the other payout details,
    the hold after an IBAN change), so the table never contradicts the box of
    what is missing (payout_blockers)."""
    from .models import PayoutItem

    if item.status != PayoutItem.Status.PAYABLE:
        text = item.get_status_display()
        return f"{text} ({item.return_reason})" if item.return_reason else text
    if profile is None or not (profile.account_holder and profile.iban):
        return _("waiting for your bank details")
    if payout_profile_missing(profile=profile):
        return _("waiting for your payout details")
    if payout_hold_active(profile=profile, at=at):
        return _("held until %(date)s after your IBAN change") % {
            "date": timezone.localtime(profile.hold_until).strftime("%d.%m.%Y")
        }
    return _("payable: in the next payout run")


def credit_note_file(*, number: str, kind: str, partner: Partner | None = None):
    """(content, content type, file name) of a credit note's PDF or XML; a
    partner gets only their own. None when there is no such note."""
    from .models import CreditNote

    if kind not in ("pdf", "xml"):
        return None
    notes = CreditNote.objects.filter(number=number)
    if partner is not None:
        notes = notes.filter(partner=partner)
    note = notes.first()
    if note is None:
        return None
    if kind == "xml":
        return bytes(note.xml), "application/xml", f"{note.number}.xml"
    return bytes(note.pdf), "application/pdf", f"{note.number}.pdf"


def debit_collections_with_outcome(collections):
    """Collections with how many of their debits the bank collected, returned
    or still has (debits_collected, debits_returned, debits_open): one grouped
    query with the list."""
    status = OrderDebit.Status
    return collections.annotate(
        debits_collected=Count("debits", filter=Q(debits__status=status.COLLECTED)),
        debits_returned=Count("debits", filter=Q(debits__status=status.RETURNED)),
        debits_open=Count("debits", filter=Q(debits__status=status.SUBMITTED)),
    )


def payout_run_left_out(*, run) -> list[dict]:
    """The payable items a run left out, with what was missing, and the
    partner's current name and address read now (the run stores ids only, so an
    erased partner shows as the pseudonym)."""
    skipped = run.skipped or []
    partners = Partner.objects.in_bulk({s.get("partner_id") for s in skipped} - {None})
    rows = []
    for entry in skipped:
        partner = partners.get(entry.get("partner_id"))
        rows.append(
            {
                "partner": partner,
                "name": partner.full_name if partner else "?",
                "slug": partner.slug if partner else "?",
                "item": entry.get("item"),
                "net": entry.get("net", ""),
                "missing": entry.get("missing", []),
            }
        )
    return rows
