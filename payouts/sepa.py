"""SEPA files made by sepaxml and validated against the schemas it ships: the
credit transfer of a payout run (pain.001.001.09) and the direct debit
collection of customers' orders (pain.008.001.08), with the TARGET2 calendar
of collection dates. Every name and remittance text goes through sepa_text
(the EPC's basic Latin character set, transliterated the German way)."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.conf import settings
from lxml import etree
from sepaxml import SepaTransfer

# ------------------------------------------------------------ text fields

# The EPC's basic Latin character set that every SEPA bank must carry (SCT and
# SDD implementation guidelines, EPC132-08 / EPC130-08, section 1.4).
EPC_CHARACTERS = re.compile(r"[^a-zA-Z0-9/\-?:().,'+ ]")
NAME_LENGTH = 70  # Nm of creditor, debtor, initiating party
REMITTANCE_LENGTH = 140  # RmtInf/Ustrd
# German transliteration (DIN 5007-2, what German banks print): Jürgen is
# "Juergen", not "Jurgen". Capitals become "Ae" before lower case, "AE" in
# capitals ("MÜLLER" -> "MUELLER").
GERMAN = {"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue", "ẞ": "SS"}
# Signs with a meaning that the set lacks, written with one it has.
SIGNS = {
    "&": "+",  # "Müller & Söhne" -> "Mueller + Soehne" (the set has +, and it reads as "and")
    "’": "'",
    "‘": "'",
    "‚": ",",
    "´": "'",
    "`": "'",
    "–": "-",
    "—": "-",
    "‐": "-",
    "_": "-",
    "\u00a0": " ",
    # Quotation marks the set lacks (only ' is in it): dropped, not spelled ",,".
    "„": " ",
    "“": " ",
    "”": " ",
    "«": " ",
    "»": " ",
}


def _german(text: str) -> str:
    out = []
    for i, char in enumerate(text):
        if char in "ÄÖÜ":
            neighbours = text[max(i - 1, 0) : i] + text[i + 1 : i + 2]
            letters = [c for c in neighbours if c.isalpha()]
            if letters and all(c.isupper() for c in letters):
                out.append(GERMAN[char].upper())
                continue
        out.append(GERMAN.get(char, char))
    return "".join(out)


def sepa_text(value: str, *, max_length: int) -> str:
    """A name or remittance text as a SEPA file may carry it: German umlauts
    and ß transliterated (ä -> ae ... ß -> ss), other accents dropped (é -> e),
    other scripts transliterated (Ł -> L, Ø -> O), & as +, every other sign
    outside the EPC basic set removed, spaces collapsed, stripped and cut to
    max_length. The one owner of this rule for pain.001 and pain.008."""
    from text_unidecode import unidecode  # sepaxml's dependency

    text = unicodedata.normalize("NFC", value or "")
    text = _german(text)
    text = "".join(SIGNS.get(char, char) for char in text)
    # é -> e + combining accent, the accent dropped; what is left beyond ASCII
    # (Ł, Ø, Cyrillic, ...) is spelled in Latin letters.
    text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    text = unidecode(text)
    text = EPC_CHARACTERS.sub(" ", text)
    text = " ".join(text.split())
    return text[:max_length].rstrip()


def sepa_name(value: str) -> str:
    return sepa_text(value, max_length=NAME_LENGTH)


def sepa_remittance(value: str) -> str:
    return sepa_text(value, max_length=REMITTANCE_LENGTH)


# ------------------------------------------------------ SEPA credit transfer

SCHEMA = "pain.001.001.09"
NS = {"p": f"urn:iso:std:iso:20022:tech:xsd:{SCHEMA}"}


@dataclass(frozen=True)
class Transfer:
    name: str
    iban: str
    bic: str
    amount: Decimal
    end_to_end_id: str
    remittance: str


@dataclass(frozen=True)
class SepaFile:
    xml: bytes
    message_id: str
    payment_info_id: str


def sepa_credit_transfer(*, transfers: list[Transfer], execution_date: date) -> SepaFile:
    """One batch, debtor = the company (COMPANY_* settings), one transfer each."""
    config = {
        "name": sepa_name(settings.COMPANY_BANK_ACCOUNT_HOLDER),
        "IBAN": settings.COMPANY_IBAN.replace(" ", ""),
        "BIC": settings.COMPANY_BIC.replace(" ", ""),
        "batch": True,
        "currency": "EUR",
    }
    # clean=False: sepaxml's own cleaning (unidecode) writes "Jurgen"; ours comes first.
    sepa = SepaTransfer(config, schema=SCHEMA, clean=False)
    for transfer in transfers:
        payment = {
            "name": sepa_name(transfer.name),
            "IBAN": transfer.iban,
            "amount": int((transfer.amount * 100).to_integral_value()),
            "execution_date": execution_date,
            "description": sepa_remittance(transfer.remittance),
            "endtoend_id": transfer.end_to_end_id,
        }
        if transfer.bic:
            payment["BIC"] = transfer.bic
        sepa.add_payment(payment)
    xml = sepa.export(validate=True)
    tree = etree.fromstring(xml)
    return SepaFile(
        xml=xml,
        message_id=tree.findtext("p:CstmrCdtTrfInitn/p:GrpHdr/p:MsgId", namespaces=NS),
        payment_info_id=tree.findtext("p:CstmrCdtTrfInitn/p:PmtInf/p:PmtInfId", namespaces=NS),
    )


# ------------------------------------------------------ SEPA direct debit

DEBIT_SCHEMA = "pain.008.001.08"
DEBIT_NS = {"p": f"urn:iso:std:iso:20022:tech:xsd:{DEBIT_SCHEMA}"}


def target2_business_day(day: date) -> bool:
    """SEPA collections settle on TARGET2 days: Monday to Friday except New
    Year, Good Friday, Easter Monday, 1 May, 25 and 26 December."""
    import holidays

    return day.weekday() < 5 and day not in holidays.financial_holidays("XECB", years=day.year)


def target2_next_business_day(day: date) -> date:
    """The first TARGET2 day after `day`."""
    from datetime import timedelta

    day += timedelta(days=1)
    while not target2_business_day(day):
        day += timedelta(days=1)
    return day


def collection_date_earliest(*, today: date) -> date:
    """SEPA core since November 2016: the file reaches the debtor's bank at
    least one TARGET2 day before the collection date, for first and recurring
    debits alike (D-1). Sent today (or on the next TARGET2 day when today is
    none), the earliest collection is the TARGET2 day after that."""
    submission = today if target2_business_day(today) else target2_next_business_day(today)
    return target2_next_business_day(submission)


@dataclass(frozen=True)
class Debit:
    name: str
    iban: str
    bic: str
    amount: Decimal
    sequence_type: str  # FRST or RCUR
    mandate_reference: str
    mandate_signed: date
    end_to_end_id: str
    remittance: str


@dataclass(frozen=True)
class DebitFile:
    xml: bytes
    message_id: str
    # One per payment information block: {"id", "sequence", "total", "count"}
    batches: list


def sepa_direct_debit(*, debits: list[Debit], collection_date: date, creditor_id: str) -> DebitFile:
    """One pain.008.001.08 file, creditor = the company (COMPANY_* settings,
    SEPA_CREDITOR_ID), CORE, batch booking: one payment information block per
    sequence type, validated against the schema sepaxml ships."""
    from sepaxml import SepaDD

    config = {
        "name": sepa_name(settings.COMPANY_BANK_ACCOUNT_HOLDER),
        "IBAN": settings.COMPANY_IBAN.replace(" ", ""),
        "BIC": settings.COMPANY_BIC.replace(" ", ""),
        "batch": True,
        "creditor_id": creditor_id,
        "currency": "EUR",
        "instrument": "CORE",
    }
    sepa = SepaDD(config, schema=DEBIT_SCHEMA, clean=False)  # sepa_text instead
    for debit in debits:
        payment = {
            "name": sepa_name(debit.name),
            "IBAN": debit.iban,
            "amount": int((debit.amount * 100).to_integral_value()),
            "type": debit.sequence_type,
            "collection_date": collection_date,
            "mandate_id": debit.mandate_reference,
            "mandate_date": debit.mandate_signed,
            "description": sepa_remittance(debit.remittance),
            "endtoend_id": debit.end_to_end_id,
        }
        if debit.bic:
            payment["BIC"] = debit.bic
        sepa.add_payment(payment)
    xml = sepa.export(validate=True)
    tree = etree.fromstring(xml)
    batches = [
        {
            "id": block.findtext("p:PmtInfId", namespaces=DEBIT_NS),
            "sequence": block.findtext("p:PmtTpInf/p:SeqTp", namespaces=DEBIT_NS),
            "total": block.findtext("p:CtrlSum", namespaces=DEBIT_NS),
            "count": int(block.findtext("p:NbOfTxs", namespaces=DEBIT_NS)),
        }
        for block in tree.findall("p:CstmrDrctDbtInitn/p:PmtInf", DEBIT_NS)
    ]
    return DebitFile(
        xml=xml,
        message_id=tree.findtext("p:CstmrDrctDbtInitn/p:GrpHdr/p:MsgId", namespaces=DEBIT_NS),
        batches=batches,
    )
