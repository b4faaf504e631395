"""The SEPA credit transfer file of a payout run (pain.001.001.09, made by
sepaxml and validated against the schema it ships)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.conf import settings
from lxml import etree
from sepaxml import SepaTransfer

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
        "name": settings.COMPANY_BANK_ACCOUNT_HOLDER,
        "IBAN": settings.COMPANY_IBAN.replace(" ", ""),
        "BIC": settings.COMPANY_BIC.replace(" ", ""),
        "batch": True,
        "currency": "EUR",
    }
    sepa = SepaTransfer(config, schema=SCHEMA, clean=True)
    for transfer in transfers:
        payment = {
            "name": transfer.name,
            "IBAN": transfer.iban,
            "amount": int((transfer.amount * 100).to_integral_value()),
            "execution_date": execution_date,
            "description": transfer.remittance,
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
