"""The credit note as EN 16931 XML (Factur-X / ZUGFeRD profile EN 16931, CII
syntax) made with drafthorse, validated against the profile's schema when it
is written. Self-billing: the partner is the seller, the company the buyer;
document type 389 (self-billed invoice), 261 for a cancelling credit note,
which names the note it cancels (BT-25). The partner is identified by the
partner number (BT-29), whatever tax ids they have. Checked in the tests
against the official CEN EN 16931 schematron (tests/einvoice.py)."""

from __future__ import annotations

from decimal import Decimal

from drafthorse.models.accounting import ApplicableTradeTax
from drafthorse.models.document import Document
from drafthorse.models.note import IncludedNote
from drafthorse.models.party import TaxRegistration
from drafthorse.models.payment import PaymentMeans
from drafthorse.models.tradelines import LineItem

from .documents import SERVICE
from .models import TaxStatus

GUIDELINE = "urn:cen.eu:en16931:2017"
SCHEMA = "FACTUR-X_EN16931"
TYPE_SELF_BILLED_INVOICE = "389"
TYPE_SELF_BILLED_CREDIT_NOTE = "261"

CATEGORY = {
    TaxStatus.REGULAR: ("S", "", ""),
    # No VATEX code is meant for the German small-business rule: the text says it.
    TaxStatus.SMALL_BUSINESS: ("E", "", "Kleinunternehmer gemäß § 19 UStG"),
    TaxStatus.REVERSE_CHARGE: (
        "AE",
        "VATEX-EU-AE",
        "Steuerschuldnerschaft des Leistungsempfängers",
    ),
}


def _party(party, data: dict) -> None:
    party.name = data["name"]
    if data.get("partner_number"):
        # BT-29 seller identifier: with only a Steuernummer (BT-32) the partner
        # has neither VAT id (BT-31) nor legal registration (BT-30), and
        # BR-CO-26 wants one of the three; the company knows them by this number.
        party.id = data["partner_number"]
    party.address.line_one = data["street"]
    party.address.postcode = data["postal_code"]
    party.address.city_name = data["city"]
    party.address.country_id = data.get("country") or "DE"
    if data.get("vat_id"):
        party.tax_registrations.add(TaxRegistration(id=("VA", data["vat_id"])))
    if data.get("tax_number"):
        party.tax_registrations.add(TaxRegistration(id=("FC", data["tax_number"])))


def credit_note_xml(note, *, iban: str = "") -> bytes:
    """EN 16931 XML of a credit note; raises if it is not valid for the profile."""
    doc = Document()
    doc.context.guideline_parameter.id = GUIDELINE
    doc.header.id = note.number
    cancellation = note.kind == "cancellation"
    doc.header.type_code = (
        TYPE_SELF_BILLED_CREDIT_NOTE if cancellation else TYPE_SELF_BILLED_INVOICE
    )
    doc.header.issue_date_time = note.issue_date
    header_note = IncludedNote()
    header_note.content = "Gutschrift im Gutschriftsverfahren (§ 14 Abs. 2 Satz 2 UStG)" + (
        f"; storniert {note.cancels.number}" if cancellation and note.cancels_id else ""
    )
    doc.header.notes.add(header_note)
    if note.tax_note:
        tax_note = IncludedNote()
        tax_note.content = note.tax_note
        doc.header.notes.add(tax_note)

    _party(doc.trade.agreement.seller, note.recipient)
    _party(doc.trade.agreement.buyer, note.company)
    doc.trade.agreement.buyer_reference = note.recipient.get("partner_number", "") or note.number
    doc.trade.delivery.event.occurrence = note.period_end

    settlement = doc.trade.settlement
    settlement.currency_code = "EUR"
    settlement.period.start = note.period_start
    settlement.period.end = note.period_end
    if cancellation and note.cancels_id:
        # BT-25/BT-26: the credit note this one cancels.
        cancelled = note.cancels
        settlement.invoice_referenced_document.issuer_assigned_id = cancelled.number
        settlement.invoice_referenced_document.issue_date_time = cancelled.issue_date
    if iban and not cancellation:
        means = PaymentMeans()
        means.type_code = "58"  # SEPA credit transfer
        means.payee_account.iban = iban
        settlement.payment_means.add(means)

    # A cancelling credit note (261) reverses by its type: amounts stay positive.
    net, vat, gross = abs(note.net), abs(note.vat), abs(note.gross)
    category, reason_code, reason = CATEGORY[note.tax_status]
    line = LineItem()
    line.document.line_id = "1"
    line.product.name = f"{SERVICE} {note.period_start:%m/%Y}"
    line.agreement.net.amount = net
    line.delivery.billed_quantity = (Decimal("1.0000"), "C62")
    line.settlement.trade_tax.type_code = "VAT"
    line.settlement.trade_tax.category_code = category
    line.settlement.trade_tax.rate_applicable_percent = note.vat_rate
    line.settlement.monetary_summation.total_amount = net
    doc.trade.items.add(line)

    tax = ApplicableTradeTax()
    tax.calculated_amount = vat
    tax.basis_amount = net
    tax.type_code = "VAT"
    tax.category_code = category
    if reason:
        tax.exemption_reason = reason
    if reason_code:
        tax.exemption_reason_code = reason_code
    tax.rate_applicable_percent = note.vat_rate
    settlement.trade_tax.add(tax)

    totals = settlement.monetary_summation
    totals.line_total = net
    totals.charge_total = Decimal("0.00")
    totals.allowance_total = Decimal("0.00")
    totals.tax_basis_total = net
    totals.tax_total = (vat, "EUR")
    totals.grand_total = gross
    totals.due_amount = gross
    return doc.serialize(schema=SCHEMA)
