"""The credit note as documents: amounts (pure), the PDF (fpdf2, a font that
ships as a Python package) and the EN 16931 / ZUGFeRD XML (drafthorse),
embedded in the PDF. German, like the tax office reads it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import font_source_sans_pro

from .facturx import facturx_document, facturx_pdf
from .models import TaxStatus

CENT = Decimal("0.01")
ZERO = Decimal("0.00")

NOTE_SMALL_BUSINESS = "Gemäß § 19 UStG wird keine Umsatzsteuer berechnet."
NOTE_REVERSE_CHARGE = "Steuerschuldnerschaft des Leistungsempfängers"
SERVICE = "Vermittlungsleistungen"
FONT_DIR = Path(font_source_sans_pro.__file__).parent / "files"


def round_money(value: Decimal) -> Decimal:
    """Half-up to the cent (commissions.md: "round")."""
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Amounts:
    net: Decimal
    vat_rate: Decimal
    vat: Decimal
    gross: Decimal
    tax_note: str


def credit_note_amounts(*, net: Decimal, tax_status: str, vat_rate: Decimal) -> Amounts:
    """VAT per tax status (commissions.md §5): regular adds round(net x rate /
    100); small business and reverse charge add none and carry their note."""
    net = round_money(net)
    if tax_status == TaxStatus.REGULAR:
        rate = Decimal(vat_rate).quantize(CENT)
        vat = round_money(net * rate / 100)
        return Amounts(net, rate, vat, net + vat, "")
    note = {
        TaxStatus.SMALL_BUSINESS: NOTE_SMALL_BUSINESS,
        TaxStatus.REVERSE_CHARGE: NOTE_REVERSE_CHARGE,
    }[tax_status]
    return Amounts(net, ZERO, ZERO, net, note)


def euro(value: Decimal) -> str:
    """1234.5 -> "1.234,50 €" (German)."""
    text = f"{Decimal(value).quantize(CENT):,.2f}"
    return text.replace(",", "X").replace(".", ",").replace("X", ".") + "\u00a0€"


def german_date(value: date) -> str:
    return value.strftime("%d.%m.%Y")


def address_lines(party: dict) -> list[str]:
    lines = [party["name"]]
    if party.get("person") and party["person"] != party["name"]:
        lines.append(party["person"])
    lines.append(party["street"])
    lines.append(f"{party['postal_code']} {party['city']}")
    if party.get("country", "DE") != "DE":
        lines.append(party["country"])
    return lines


def tax_id_lines(party: dict) -> list[str]:
    lines = []
    if party.get("vat_id"):
        lines.append(f"USt-IdNr.: {party['vat_id']}")
    if party.get("tax_number"):
        lines.append(f"Steuernummer: {party['tax_number']}")
    return lines


def document_title(note) -> str:
    if note.kind == "cancellation":
        return "Stornogutschrift"
    return "Gutschrift"


def credit_note_pdf(note, *, xml: bytes) -> bytes:
    """The credit note as PDF/A-3b with its EN 16931 XML embedded (Factur-X)."""
    pdf = facturx_document(format="A4")
    pdf.set_auto_page_break(auto=True, margin=20)
    pdf.add_font("Sans", "", str(FONT_DIR / "SourceSansPro-Regular.ttf"))
    pdf.add_font("Sans", "B", str(FONT_DIR / "SourceSansPro-Bold.ttf"))
    pdf.set_lang("de-DE")
    pdf.add_page()
    width = pdf.epw

    def line(text: str, *, size: int = 10, bold: bool = False, height: float = 5) -> None:
        pdf.set_font("Sans", "B" if bold else "", size)
        pdf.multi_cell(width, height, text, new_x="LMARGIN", new_y="NEXT")

    company = note.company
    recipient = note.recipient
    line(" · ".join(address_lines(company)), size=8)
    pdf.ln(4)
    for text in address_lines(recipient):
        line(text)
    pdf.ln(8)
    title = document_title(note)
    line(f"{title} Nr. {note.number}", size=16, bold=True, height=8)
    line("Gutschrift im Gutschriftsverfahren (§ 14 Abs. 2 Satz 2 UStG)", size=9)
    pdf.ln(3)
    line(f"Ausstellungsdatum: {german_date(note.issue_date)}")
    line(f"Leistungszeitraum: {german_date(note.period_start)} bis {german_date(note.period_end)}")
    if note.cancels_id:
        cancelled = note.cancels
        line(
            f"Storniert die Gutschrift Nr. {cancelled.number} vom "
            f"{german_date(cancelled.issue_date)}."
        )
    pdf.ln(3)
    line("Leistende(r) (Gutschriftsempfänger):", bold=True)
    for text in address_lines(recipient) + tax_id_lines(recipient):
        line(text)
    pdf.ln(2)
    line("Leistungsempfänger (Aussteller der Gutschrift):", bold=True)
    for text in address_lines(company) + tax_id_lines(company):
        line(text)
    pdf.ln(5)

    pdf.set_font("Sans", "B", 10)
    col = (width * 0.65, width * 0.35)
    pdf.cell(col[0], 7, "Leistung", border="B")
    pdf.cell(col[1], 7, "Betrag", border="B", align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Sans", "", 10)
    month = note.period_start.strftime("%m/%Y")
    rows = [
        (f"{SERVICE} (Provision {month})", euro(note.net)),
        ("Nettobetrag", euro(note.net)),
    ]
    if note.tax_status == TaxStatus.REGULAR:
        rate = f"{note.vat_rate.normalize():f}".replace(".", ",")
        rows.append((f"Umsatzsteuer {rate} %", euro(note.vat)))
    else:
        rows.append(("Umsatzsteuer 0 %", euro(note.vat)))
    for label, amount in rows:
        pdf.cell(col[0], 6, label)
        pdf.cell(col[1], 6, amount, align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Sans", "B", 10)
    pdf.cell(col[0], 7, "Bruttobetrag (Auszahlungsbetrag)", border="T")
    pdf.cell(col[1], 7, euro(note.gross), border="T", align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    if note.tax_note:
        line(note.tax_note, bold=True)
    if note.tax_status == TaxStatus.REVERSE_CHARGE:
        line(
            f"USt-IdNr. des Leistenden: {recipient.get('vat_id', '')} · "
            f"USt-IdNr. des Leistungsempfängers: {company.get('vat_id', '')}"
        )
    pdf.ln(3)
    if note.kind == "credit_note":
        line(
            f"Der Betrag wird auf das Konto {recipient.get('iban_masked', '')} "
            f"({recipient.get('account_holder', '')}) überwiesen.",
            size=9,
        )
    line(
        "Bitte prüfen Sie diese Gutschrift. Widersprechen Sie ihr, verliert sie ihre "
        "Wirkung als Rechnung (§ 14 Abs. 2 Satz 3 UStG).",
        size=9,
    )
    return facturx_pdf(
        pdf,
        xml=xml,
        title=f"{document_title(note)} {note.number}",
        # The company issues a credit note (self-billing), for the partner's service.
        author=note.company["name"],
        subject=f"{document_title(note)} {note.number} vom {german_date(note.issue_date)}",
    )
