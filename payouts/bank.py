"""Reading bank statements: CAMT.053 (ISO 20022 XML, any 001.xx version) and
MT940 (SWIFT text). Pure functions: bytes in, StatementLine rows out; the
matching and the writes are services.bank_statement_import's job."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from defusedxml import ElementTree
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


@dataclass(frozen=True)
class StatementLine:
    booking_date: date
    value_date: date | None
    amount: Decimal  # signed: credits positive, debits negative
    currency: str
    counterparty_name: str = ""
    counterparty_iban: str = ""
    reference: str = ""  # remittance information
    end_to_end_id: str = ""
    batch_id: str = ""  # PmtInfId / MsgId of a collective booking
    bank_reference: str = ""  # AcctSvcrRef: the bank's own id of the entry
    return_reason: str = ""  # ISO reason code of a returned transfer (AC01, ...)
    reversal: bool = False  # CAMT RvslInd: the booking reverses an earlier one (a return)

    @property
    def key(self) -> str:
        """Identifies the same booking in overlapping or repeated statements."""
        parts = [
            self.bank_reference,
            self.booking_date.isoformat(),
            str(self.amount),
            self.currency,
            self.counterparty_iban,
            self.reference,
            self.end_to_end_id,
            self.batch_id,
        ]
        return hashlib.sha256("|".join(parts).encode()).hexdigest()


@dataclass(frozen=True)
class Statement:
    format: str
    account_iban: str
    statement_id: str
    lines: list[StatementLine]


def statement_parse(data: bytes) -> Statement:
    """CAMT.053 or MT940, told apart by their first characters."""
    head = data.lstrip()[:200]
    if head.startswith(b"<"):
        return camt053_parse(data)
    if b":20:" in data[:400] or head.startswith((b"{1:", b":")):
        return mt940_parse(data)
    raise ValidationError(_("This is neither a CAMT.053 (XML) nor an MT940 bank statement."))


# ---------------------------------------------------------------- CAMT.053


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _find(node, path: str):
    """Namespace-agnostic find along a/b/c."""
    for part in path.split("/"):
        if node is None:
            return None
        node = next((child for child in node if _local(child.tag) == part), None)
    return node


def _findall(node, name: str):
    return [child for child in node if _local(child.tag) == name] if node is not None else []


def _text(node, path: str) -> str:
    found = _find(node, path)
    return (found.text or "").strip() if found is not None else ""


def _date(node, path: str) -> date | None:
    found = _find(node, path)
    if found is None:
        return None
    value = _text(found, "Dt") or _text(found, "DtTm")[:10]
    return date.fromisoformat(value) if value else None


def _amount(text: str) -> Decimal:
    try:
        return Decimal(text)
    except InvalidOperation as exc:
        raise ValidationError(_("Unreadable amount %(amount)r.") % {"amount": text}) from exc


def _party_name(parties, role: str) -> str:
    # camt.053.001.02: Dbtr/Nm; .08 and later: Dbtr/Pty/Nm
    return _text(parties, f"{role}/Nm") or _text(parties, f"{role}/Pty/Nm")


def camt053_parse(data: bytes) -> Statement:
    try:
        root = ElementTree.fromstring(data)
    except ElementTree.ParseError as exc:
        raise ValidationError(_("The XML cannot be read: %(error)s") % {"error": exc}) from exc
    except Exception as exc:  # defusedxml refuses entities and external references
        raise ValidationError(_("The XML is refused: %(error)s") % {"error": exc}) from exc
    statement = _find(root, "BkToCstmrStmt/Stmt")
    if _local(root.tag) != "Document" or statement is None:
        raise ValidationError(_("This XML is not a CAMT.053 bank statement."))
    lines: list[StatementLine] = []
    for entry in _findall(statement, "Ntry"):
        status = _text(entry, "Sts/Cd") or _text(entry, "Sts")
        if status and status != "BOOK":
            continue  # pending or informational entries are not money yet
        sign = -1 if _text(entry, "CdtDbtInd") == "DBIT" else 1
        amount_node = _find(entry, "Amt")
        currency = amount_node.get("Ccy", "EUR") if amount_node is not None else "EUR"
        booking = _date(entry, "BookgDt")
        if booking is None:
            raise ValidationError(_("A booked entry has no booking date."))
        value = _date(entry, "ValDt")
        bank_ref = _text(entry, "AcctSvcrRef")
        details = _find(entry, "NtryDtls")
        batch_id = _text(details, "Btch/PmtInfId") or _text(details, "Btch/MsgId")
        transactions = []
        for block in _findall(details, "NtryDtls") or [details]:
            transactions.extend(_findall(block, "TxDtls"))
        if batch_id or len(transactions) <= 1:
            # One line per entry: a single transfer, or a collective booking
            # (our payout run's debit) matched as a whole.
            tx = transactions[0] if len(transactions) == 1 and not batch_id else None
            lines.append(
                _camt_line(
                    entry, tx, sign, currency, booking, value, bank_ref, batch_id, whole=True
                )
            )
        else:
            for index, tx in enumerate(transactions):
                lines.append(
                    _camt_line(
                        entry,
                        tx,
                        sign,
                        currency,
                        booking,
                        value,
                        f"{bank_ref}/{index}" if bank_ref else "",
                        "",
                        whole=False,
                    )
                )
    return Statement(
        format="camt.053",
        account_iban=_text(statement, "Acct/Id/IBAN"),
        statement_id=_text(statement, "Id"),
        lines=lines,
    )


def _camt_line(entry, tx, sign, currency, booking, value, bank_ref, batch_id, *, whole):
    amount = _amount(_text(entry, "Amt") if whole or tx is None else _text(tx, "Amt"))
    parties = _find(tx, "RltdPties") if tx is not None else None
    counterparty_role = "Dbtr" if sign > 0 else "Cdtr"
    reference = " ".join(
        (node.text or "").strip()
        for node in _findall(_find(tx, "RmtInf"), "Ustrd")
        if tx is not None and node.text
    )
    if not reference and tx is not None:
        reference = _text(tx, "RmtInf/Strd/CdtrRefInf/Ref")
    if not reference:
        reference = _text(entry, "AddtlNtryInf")
    return StatementLine(
        booking_date=booking,
        value_date=value,
        amount=sign * amount,
        currency=currency,
        counterparty_name=_party_name(parties, counterparty_role) if parties is not None else "",
        counterparty_iban=_text(parties, f"{counterparty_role}Acct/Id/IBAN")
        if parties is not None
        else "",
        reference=reference[:500],
        end_to_end_id=_end_to_end(tx),
        batch_id=batch_id,
        bank_reference=bank_ref or (_text(tx, "Refs/AcctSvcrRef") if tx is not None else ""),
        return_reason=_text(tx, "RtrInf/Rsn/Cd") if tx is not None else "",
        reversal=_text(entry, "RvslInd").lower() == "true",
    )


def _end_to_end(tx) -> str:
    value = _text(tx, "Refs/EndToEndId") if tx is not None else ""
    return "" if value.upper() == "NOTPROVIDED" else value


# ------------------------------------------------------------------- MT940


def mt940_parse(data: bytes) -> Statement:
    import mt940

    text = data.decode("utf-8", errors="replace")
    try:
        transactions = mt940.models.Transactions(
            processors={"post_transaction": [mt940.processors.transaction_details_post_processor]}
        )
        transactions.parse(text)
    except Exception as exc:  # the library raises plain errors on broken files
        raise ValidationError(
            _("The MT940 file cannot be read: %(error)s") % {"error": exc}
        ) from exc
    lines = []
    for tx in transactions:
        d = tx.data
        amount = d.get("amount")
        if amount is None:
            continue
        booking = d.get("entry_date") or d.get("date")
        end_to_end = (d.get("end_to_end_reference") or "").strip()
        if end_to_end.upper() == "NOTPROVIDED":
            end_to_end = ""
        status = str(d.get("status") or "")
        value = Decimal(amount.amount)
        if status in ("RC", "RD"):
            # Storno: RC reverses a credit (money leaves us: a returned direct
            # debit), RD a debit; the library signs them the other way round.
            value = -abs(value) if status == "RC" else abs(value)
        reference = " ".join((d.get("purpose") or d.get("transaction_details") or "").split())
        lines.append(
            StatementLine(
                booking_date=date(booking.year, booking.month, booking.day),
                value_date=date(d["date"].year, d["date"].month, d["date"].day)
                if d.get("date")
                else None,
                amount=value,
                currency=amount.currency or "EUR",
                counterparty_name=(d.get("applicant_name") or "").strip(),
                counterparty_iban=(
                    d.get("gvc_applicant_iban") or d.get("applicant_iban") or ""
                ).strip(),
                reference=reference[:500],
                end_to_end_id=end_to_end,
                bank_reference=(d.get("bank_reference") or "").strip(),
                return_reason=_mt940_return_reason(d.get("return_debit_notes"), reference),
                # :61: RC / RD: the storno of an earlier credit / debit (a return)
                reversal=status.startswith("R"),
            )
        )
    return Statement(
        format="mt940",
        account_iban=str(transactions.data.get("account_identification", "")),
        statement_id=str(transactions.data.get("transaction_reference", "")),
        lines=lines,
    )


# ISO reason codes of returned transfers and direct debits as German banks put
# them into the purpose of a return (?20-?29: "RETOURE AM04 ...").
_ISO_REASON_RE = re.compile(
    r"\b(AC0[1-6]|AC13|AG0[12]|AM0[45]|BE0[45]|CNOR|DNOR|FF01|FOCR|MD0[1-7]|MS0[23]|"
    r"RC01|RR0[1-4]|SL01)\b"
)


def _mt940_return_reason(field_34, reference: str) -> str:
    """?34 carries the ISO code at some banks, a 3-digit Textschlüsselergänzung
    (901, ...) at others; then the code is looked for in the purpose."""
    value = (field_34 or "").strip().upper()
    if re.fullmatch(r"[A-Z]{2}[0-9]{2}|[A-Z]{4}", value):
        return value
    if value or "RETOURE" in reference.upper() or "RUECKLASTSCHRIFT" in reference.upper():
        found = _ISO_REASON_RE.search(reference.upper())
        return found.group(1) if found else value[:4]
    return ""
