"""What an invoice or a correction says (pure: amounts from the order's lines by
orders.pricing, the one owner of VAT per rate) and the PDF (fpdf2, a font that
ships as a Python package), in the order's language."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import font_source_sans_pro
from django.conf import settings
from django.utils import formats, translation
from django.utils.translation import gettext as _
from fpdf import FPDF

from orders.pricing import RateShare, money, vat_breakdown
from orders.taxes import Treatment, treatment

ZERO = Decimal("0.00")
FONT_DIR = Path(font_source_sans_pro.__file__).parent / "files"
SHARE_FIELDS = ("goods", "discount", "shipping", "gross", "vat", "net")


@dataclass(frozen=True)
class Content:
    """Lines (gross, as the customer saw them) and the amounts per VAT rate."""

    lines: list[dict]
    rates: list[RateShare]

    @property
    def discount(self) -> Decimal:
        return sum((r.discount for r in self.rates), ZERO)

    @property
    def shipping(self) -> Decimal:
        return sum((r.shipping for r in self.rates), ZERO)

    @property
    def net(self) -> Decimal:
        return sum((r.net for r in self.rates), ZERO)

    @property
    def vat(self) -> Decimal:
        return sum((r.vat for r in self.rates), ZERO)

    @property
    def total(self) -> Decimal:
        return sum((r.gross for r in self.rates), ZERO)


def _line(*, name: str, sku: str, quantity: int, unit_price: Decimal, vat_rate: Decimal) -> dict:
    return {
        "name": name,
        "sku": sku,
        "quantity": quantity,
        "unit_price": str(money(unit_price)),
        "vat_rate": str(Decimal(vat_rate)),
        "total": str(money(Decimal(unit_price) * quantity)),
    }


def invoice_content(*, lines, shipping: Decimal, discount_percent: Decimal) -> Content:
    """An order's invoice: `lines` are its OrderLines (all quantities bought)."""
    rows = [
        _line(
            name=line.name,
            sku=line.sku,
            quantity=line.quantity,
            unit_price=line.unit_price,
            vat_rate=line.vat_rate,
        )
        for line in lines
    ]
    shares = vat_breakdown(
        [(line.unit_price, line.vat_rate, line.quantity) for line in lines],
        shipping=shipping,
        discount_percent=discount_percent,
    )
    return Content(lines=rows, rates=shares)


def _share(rate: Decimal, **amounts: Decimal) -> RateShare:
    gross = amounts["goods"] - amounts["discount"] + amounts["shipping"]
    vat = amounts.get("vat")
    if vat is None:
        vat = money(gross * rate / (Decimal("100") + rate))
    return RateShare(
        rate=rate,
        goods=amounts["goods"],
        discount=amounts["discount"],
        shipping=amounts["shipping"],
        gross=gross,
        vat=vat,
        net=gross - vat,
    )


def correction_content(
    *,
    refunded: list[tuple],
    amount: Decimal,
    is_full: bool,
    discount_percent: Decimal,
    invoice_rates: list[RateShare],
    corrected_rates: list[list[RateShare]],
) -> Content:
    """A refund's correction. `refunded`: (OrderLine, quantity refunded now).
    The last refund (is_full) corrects what the invoice and earlier corrections
    leave, shipping included, so the corrections add up to the invoice exactly.
    A partial one takes the refunded goods by orders.pricing; a cent the refund
    rounded differently (its discount on the sum, pricing per rate) goes on the
    discount of the largest rate, so the correction says what was paid back."""
    rows = [
        _line(
            name=line.name,
            sku=line.sku,
            quantity=quantity,
            unit_price=line.unit_price,
            vat_rate=line.vat_rate,
        )
        for line, quantity in refunded
    ]
    if is_full:
        shares = []
        for share in invoice_rates:
            left = {f: getattr(share, f) for f in SHARE_FIELDS}
            for earlier in corrected_rates:
                for other in earlier:
                    if other.rate == share.rate:
                        for f in SHARE_FIELDS:
                            left[f] -= getattr(other, f)
            shares.append(RateShare(rate=share.rate, **left))
        return Content(lines=rows, rates=[s for s in shares if s.gross or s.goods])
    shares = vat_breakdown(
        [(line.unit_price, line.vat_rate, q) for line, q in refunded],
        shipping=ZERO,
        discount_percent=discount_percent,
    )
    difference = sum((s.gross for s in shares), ZERO) - money(amount)
    if difference and shares:
        largest = max(range(len(shares)), key=lambda i: (shares[i].gross, shares[i].rate))
        s = shares[largest]
        shares[largest] = _share(
            s.rate, goods=s.goods, discount=s.discount + difference, shipping=s.shipping
        )
    return Content(lines=rows, rates=shares)


def rates_to_json(shares: list[RateShare]) -> list[dict]:
    return [{"rate": str(s.rate), **{f: str(getattr(s, f)) for f in SHARE_FIELDS}} for s in shares]


def rates_from_json(rows: list[dict]) -> list[RateShare]:
    return [
        RateShare(rate=Decimal(r["rate"]), **{f: Decimal(r[f]) for f in SHARE_FIELDS}) for r in rows
    ]


# --- The PDF -----------------------------------------------------------------


def amount_text(value: Decimal, *, negative: bool = False) -> str:
    """1234.5 -> "1.234,50 €" (German) or "€1,234.50" (English); a correction's
    amounts with a minus sign."""
    value = Decimal(value).quantize(Decimal("0.01"))
    if negative:
        value = -value
    sign = "−" if value < 0 else ""
    plain = f"{abs(value):,.2f}"
    if translation.get_language() == "de":
        plain = plain.replace(",", "X").replace(".", ",").replace("X", ".")
        return f"{sign}{plain}\u00a0€"
    return f"{sign}€{plain}"


def rate_text(rate) -> str:
    text = f"{Decimal(rate).normalize():f}"
    if translation.get_language() == "de":
        text = text.replace(".", ",")
    return f"{text}\u00a0%"


def date_text(value) -> str:
    return formats.date_format(value, "SHORT_DATE_FORMAT")


def address_lines(party: dict) -> list[str]:
    lines = [party["name"]]
    if party.get("person") and party["person"] != party["name"]:
        lines.append(party["person"])
    lines += [party.get("street", ""), f"{party.get('postal_code', '')} {party.get('city', '')}"]
    if party.get("country_name"):
        lines.append(party["country_name"])
    return [line for line in lines if line.strip()]


def tax_note(buyer: dict) -> str:
    """Why the invoice carries the rate it does, for a delivery abroad
    (orders.taxes): the destination's VAT (one-stop shop), or none (export)."""
    country = buyer.get("country") or settings.COMPANY_COUNTRY
    kind = treatment(country)
    if kind == Treatment.EXPORT:
        return _("Tax-free export delivery (§ 4 no. 1a in conjunction with § 6 UStG).")
    if kind == Treatment.OSS:
        return _(
            "Delivery to a consumer in %(country)s: VAT of the country of destination "
            "(§ 3c UStG, one-stop shop)."
        ) % {"country": buyer.get("country_name") or country}
    return ""


def document_title(invoice) -> str:
    return _("Invoice correction") if invoice.is_correction else _("Invoice")


def invoice_pdf(invoice) -> bytes:
    """The invoice or correction as a PDF in its language (without the XML;
    einvoice.pdf_with_xml embeds that for a business customer)."""
    with translation.override(invoice.language or settings.LANGUAGE_CODE):
        return _render(invoice)


def _render(invoice) -> bytes:
    seller, buyer = invoice.seller, invoice.buyer
    negative = invoice.is_correction
    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(auto=True, margin=20)
    pdf.add_font("Sans", "", str(FONT_DIR / "SourceSansPro-Regular.ttf"))
    pdf.add_font("Sans", "B", str(FONT_DIR / "SourceSansPro-Bold.ttf"))
    title = document_title(invoice)
    pdf.set_title(f"{title} {invoice.number}")
    pdf.set_author(seller["name"])
    pdf.set_lang("de-DE" if translation.get_language() == "de" else "en-GB")
    pdf.add_page()
    width = pdf.epw

    def text(value: str, *, size: int = 10, bold: bool = False, height: float = 5) -> None:
        pdf.set_font("Sans", "B" if bold else "", size)
        pdf.multi_cell(width, height, value, new_x="LMARGIN", new_y="NEXT")

    text(" · ".join(address_lines(seller)), size=8)
    pdf.ln(4)
    for value in address_lines(buyer):
        text(value)
    if buyer.get("vat_id"):
        text(_("VAT id: %(id)s") % {"id": buyer["vat_id"]})
    pdf.ln(8)
    text(
        _("%(title)s no. %(number)s") % {"title": title, "number": invoice.number},
        size=16,
        bold=True,
        height=8,
    )
    pdf.ln(2)
    facts = [
        (_("Invoice date"), date_text(invoice.issue_date)),
        (_("Delivery date"), date_text(invoice.delivery_date)),
        (_("Order number"), invoice.order.number),
    ]
    for label, value in facts:
        text(f"{label}: {value}")
    if invoice.is_correction:
        original = invoice.corrects
        pdf.ln(2)
        text(
            _("This corrects invoice no. %(number)s of %(date)s (refund of the items below).")
            % {"number": original.number, "date": date_text(original.issue_date)},
            bold=True,
        )
    pdf.ln(5)

    cols = (width * 0.08, width * 0.46, width * 0.12, width * 0.16, width * 0.18)
    pdf.set_font("Sans", "B", 9)
    for col, label, align in zip(
        cols,
        (_("Qty"), _("Item"), _("VAT"), _("Unit price"), _("Amount")),
        ("L", "L", "R", "R", "R"),
        strict=True,
    ):
        pdf.cell(col, 7, label, border="B", align=align)
    pdf.ln(7)
    pdf.set_font("Sans", "", 9)
    for line in invoice.lines:
        name = line["name"] + (f" ({line['sku']})" if line.get("sku") else "")
        pdf.cell(cols[0], 6, str(line["quantity"]))
        pdf.cell(cols[1], 6, name[:70])
        pdf.cell(cols[2], 6, rate_text(line["vat_rate"]), align="R")
        pdf.cell(cols[3], 6, amount_text(Decimal(line["unit_price"]), negative=negative), align="R")
        pdf.cell(cols[4], 6, amount_text(Decimal(line["total"]), negative=negative), align="R")
        pdf.ln(6)

    goods = sum((Decimal(line["total"]) for line in invoice.lines), ZERO)
    label_width, amount_width = width * 0.7, width * 0.3

    def sum_row(label: str, amount: Decimal, *, bold: bool = False, border: str = "") -> None:
        pdf.set_font("Sans", "B" if bold else "", 10)
        pdf.cell(label_width, 6, label, border=border)
        pdf.cell(
            amount_width,
            6,
            amount_text(amount, negative=negative),
            border=border,
            align="R",
            new_x="LMARGIN",
            new_y="NEXT",
        )

    pdf.ln(2)
    sum_row(_("Goods"), goods, border="T")
    if invoice.discount:
        pdf.set_font("Sans", "", 10)
        pdf.cell(
            label_width,
            6,
            _("Partner code discount (%(percent)s)")
            % {"percent": rate_text(invoice.discount_percent)},
        )
        pdf.cell(
            amount_width,
            6,
            amount_text(-invoice.discount, negative=negative),
            align="R",
            new_x="LMARGIN",
            new_y="NEXT",
        )
    if invoice.shipping or not invoice.is_correction:
        sum_row(_("Shipping"), invoice.shipping)
    sum_row(_("Total (gross)"), invoice.total, bold=True, border="T")
    pdf.ln(4)

    text(_("VAT per rate"), bold=True)
    vat_cols = (width * 0.25, width * 0.25, width * 0.25, width * 0.25)
    pdf.set_font("Sans", "B", 9)
    for col, label in zip(vat_cols, (_("VAT rate"), _("Net"), _("VAT"), _("Gross")), strict=True):
        pdf.cell(col, 6, label, border="B", align="R")
    pdf.ln(6)
    pdf.set_font("Sans", "", 9)
    for share in invoice.rates:
        for col, value in zip(
            vat_cols,
            (
                rate_text(share["rate"]),
                amount_text(Decimal(share["net"]), negative=negative),
                amount_text(Decimal(share["vat"]), negative=negative),
                amount_text(Decimal(share["gross"]), negative=negative),
            ),
            strict=True,
        ):
            pdf.cell(col, 6, value, align="R")
        pdf.ln(6)
    pdf.set_font("Sans", "B", 9)
    for col, value in zip(
        vat_cols,
        (
            _("Sum"),
            amount_text(invoice.net, negative=negative),
            amount_text(invoice.vat, negative=negative),
            amount_text(invoice.total, negative=negative),
        ),
        strict=True,
    ):
        pdf.cell(col, 6, value, align="R")
    pdf.ln(10)

    note = tax_note(buyer)
    if note:
        text(note, size=9)
    if invoice.is_correction:
        text(_("The amount is refunded to you by the payment method you used."), size=9)
    else:
        text(_("Paid on %(date)s. Thank you!") % {"date": date_text(invoice.paid_date)}, size=9)
    if invoice.is_business:
        text(_("The e-invoice (ZUGFeRD / EN 16931) is embedded in this PDF."), size=9)
    pdf.ln(6)
    ids = []
    if seller.get("vat_id"):
        ids.append(_("VAT id: %(id)s") % {"id": seller["vat_id"]})
    if seller.get("tax_number"):
        ids.append(_("Tax number: %(number)s") % {"number": seller["tax_number"]})
    text(" · ".join(address_lines(seller) + ids), size=8)
    return bytes(pdf.output())
