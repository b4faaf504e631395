"""A business customer's invoice as EN 16931 XML (Factur-X / ZUGFeRD profile
EN 16931, CII syntax), made with drafthorse and validated against the
profile's schema when it is written. Type 380 (commercial invoice), 381 for a
correction (credit note) with the invoice it corrects as BT-25/BT-26.

Prices in the shop are gross; EN 16931 counts in net. Per VAT rate the net
(BT-116) is the gross less the VAT it contains, both from orders.pricing; the
partner code discount is a document allowance (BG-20) and the shipping share a
document charge (BG-21) of that rate; the lines' nets are rounded per line, the
cent the rounding leaves goes on the rate's largest line, so the sums of
EN 16931 (BR-CO-10, BR-CO-13, BR-S-08) hold exactly. A rate of another EU
country (one-stop shop) is category S with that rate; an export (CH) is
category G at 0 % with its exemption reason."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from drafthorse.models.accounting import (
    ApplicableTradeTax,
    CategoryTradeTax,
    TradeAllowanceCharge,
)
from drafthorse.models.document import Document
from drafthorse.models.note import IncludedNote
from drafthorse.models.party import TaxRegistration
from drafthorse.models.tradelines import LineItem
from drafthorse.pdf import attach_xml

from orders.pricing import money

GUIDELINE = "urn:cen.eu:en16931:2017"
SCHEMA = "FACTUR-X_EN16931"
TYPE_INVOICE = "380"
TYPE_CREDIT_NOTE = "381"
CATEGORY_STANDARD = "S"
# An export outside the EU (orders.taxes, Treatment.EXPORT): BT-118 "G", rate 0,
# with its exemption reason (BT-120) and code (BT-121).
CATEGORY_EXPORT = "G"
EXPORT_REASON = "Steuerfreie Ausfuhrlieferung (§ 4 Nr. 1a i. V. m. § 6 UStG)"
EXPORT_REASON_CODE = "VATEX-EU-G"
ZERO = Decimal("0.00")
HUNDRED = Decimal("100")
PRICE = Decimal("0.0001")


def category_of(rate) -> str:
    """BT-151/BT-118: a shop line at 0 % is an export (the only zero rate it sells)."""
    return CATEGORY_STANDARD if Decimal(rate) else CATEGORY_EXPORT


def net_of(gross: Decimal, rate: Decimal) -> Decimal:
    return money(Decimal(gross) * HUNDRED / (HUNDRED + Decimal(rate)))


def net_lines(lines: list[dict], shares: list[dict]) -> list[Decimal]:
    """The net amount of each line (in the lines' order) such that per rate the
    lines' nets less the allowance plus the charge are the rate's net."""
    nets = [net_of(Decimal(line["total"]), Decimal(line["vat_rate"])) for line in lines]
    for share in shares:
        rate = Decimal(share["rate"])
        target = (
            Decimal(share["net"])
            - net_of(Decimal(share["shipping"]), rate)
            + net_of(Decimal(share["discount"]), rate)
        )
        at_rate = [i for i, line in enumerate(lines) if Decimal(line["vat_rate"]) == rate]
        if not at_rate:
            continue
        left = target - sum((nets[i] for i in at_rate), ZERO)
        if left:
            largest = max(at_rate, key=lambda i: nets[i])
            nets[largest] += left
    return nets


def _party(party, data: dict) -> None:
    party.name = data["name"]
    party.address.line_one = data.get("street", "")
    party.address.postcode = data.get("postal_code", "")
    party.address.city_name = data.get("city", "")
    party.address.country_id = data.get("country") or "DE"
    if data.get("vat_id"):
        party.tax_registrations.add(TaxRegistration(id=("VA", data["vat_id"])))
    if data.get("tax_number"):
        party.tax_registrations.add(TaxRegistration(id=("FC", data["tax_number"])))


def _allowance_charge(*, charge: bool, amount: Decimal, rate: Decimal, reason: str, code: str):
    item = TradeAllowanceCharge()
    item.indicator = charge
    item.actual_amount = amount
    item.reason_code = code
    item.reason = reason
    tax = CategoryTradeTax()
    tax.type_code = "VAT"
    tax.category_code = category_of(rate)
    tax.rate_applicable_percent = rate
    item.trade_tax.add(tax)
    return item


def invoice_xml(invoice) -> bytes:
    """EN 16931 XML of an invoice or correction; raises if it is not valid for
    the profile's schema. Amounts are positive (a correction is a credit note)."""
    correction = invoice.is_correction
    doc = Document()
    doc.context.guideline_parameter.id = GUIDELINE
    doc.header.id = invoice.number
    doc.header.type_code = TYPE_CREDIT_NOTE if correction else TYPE_INVOICE
    doc.header.issue_date_time = invoice.issue_date
    note = IncludedNote()
    note.content = (
        f"Rechnungskorrektur zu Rechnung {invoice.corrects.number} (Erstattung)"
        if correction
        else f"Rechnung zu Bestellung {invoice.order.number}"
    )
    doc.header.notes.add(note)

    agreement = doc.trade.agreement
    _party(agreement.seller, invoice.seller)
    _party(agreement.buyer, invoice.buyer)
    agreement.buyer_reference = invoice.order.number
    agreement.buyer_order.issuer_assigned_id = invoice.order.number
    doc.trade.delivery.event.occurrence = invoice.delivery_date

    settlement = doc.trade.settlement
    settlement.currency_code = "EUR"
    if correction:
        settlement.invoice_referenced_document.issuer_assigned_id = invoice.corrects.number
        settlement.invoice_referenced_document.issue_date_time = invoice.corrects.issue_date

    nets = net_lines(invoice.lines, invoice.rates)
    for n, (line, net) in enumerate(zip(invoice.lines, nets, strict=True), start=1):
        item = LineItem()
        item.document.line_id = str(n)
        if line.get("sku"):
            item.product.seller_assigned_id = line["sku"]
        item.product.name = line["name"]
        quantity = Decimal(line["quantity"])
        item.agreement.net.amount = (net / quantity).quantize(PRICE, rounding=ROUND_HALF_UP)
        item.delivery.billed_quantity = (quantity.quantize(PRICE), "H87")  # piece
        item.settlement.trade_tax.type_code = "VAT"
        item.settlement.trade_tax.category_code = category_of(line["vat_rate"])
        item.settlement.trade_tax.rate_applicable_percent = Decimal(line["vat_rate"])
        item.settlement.monetary_summation.total_amount = net
        doc.trade.items.add(item)

    allowances = charges = ZERO
    for share in invoice.rates:
        rate = Decimal(share["rate"])
        discount = net_of(Decimal(share["discount"]), rate)
        shipping = net_of(Decimal(share["shipping"]), rate)
        if discount:
            allowances += discount
            settlement.allowance_charge.add(
                _allowance_charge(
                    charge=False,
                    amount=discount,
                    rate=rate,
                    reason="Partner-Rabatt",
                    code="95",  # discount
                )
            )
        if shipping:
            charges += shipping
            settlement.allowance_charge.add(
                _allowance_charge(
                    charge=True, amount=shipping, rate=rate, reason="Versand", code="FC"
                )
            )
        tax = ApplicableTradeTax()
        tax.calculated_amount = Decimal(share["vat"])
        tax.basis_amount = Decimal(share["net"])
        tax.type_code = "VAT"
        category = category_of(rate)
        tax.category_code = category
        if category == CATEGORY_EXPORT:
            tax.exemption_reason = EXPORT_REASON
            tax.exemption_reason_code = EXPORT_REASON_CODE
        tax.rate_applicable_percent = rate
        settlement.trade_tax.add(tax)

    totals = settlement.monetary_summation
    totals.line_total = sum(nets, ZERO)
    totals.charge_total = charges
    totals.allowance_total = allowances
    totals.tax_basis_total = invoice.net
    totals.tax_total = (invoice.vat, "EUR")
    totals.grand_total = invoice.total
    # Paid before the invoice (or refunded with the correction): nothing is due.
    totals.prepaid_total = invoice.total
    totals.due_amount = ZERO
    return doc.serialize(schema=SCHEMA)


def pdf_with_xml(pdf: bytes, xml: bytes, *, lang: str) -> bytes:
    """The PDF with the XML embedded as factur-x.xml (ZUGFeRD / Factur-X)."""
    return attach_xml(pdf, xml, level="EN 16931", lang=lang)
