"""Names and remittance texts in the SEPA files: the German transliteration
(Jürgen -> Juergen), the EPC's basic Latin character set, one space at a
time; checked against the EPC's own restricted pain.001.001.09 schema."""

import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
import xmlschema
from hypothesis import given
from hypothesis import strategies as st
from lxml import etree

from payouts.sepa import sepa_name, sepa_remittance, sepa_text

DATA = Path(__file__).parent / "data"
EPC_XSD = DATA / "EPC132-08_2025_V1.0_pain.001.001.09.xsd"
# EPC132-08 / EPC130-08 section 1.4: the basic Latin set every SEPA bank carries.
EPC_BASIC = re.compile(r"[a-zA-Z0-9/\-?:().,'+ ]*")


def text_fields(xml: bytes) -> dict[str, list[str]]:
    """Every name (Nm) and unstructured remittance (Ustrd) of the file."""
    tree = etree.fromstring(xml)
    found: dict[str, list[str]] = {}
    for element in tree.iter():
        name = etree.QName(element).localname
        if name in ("Nm", "Ustrd"):
            found.setdefault(name, []).append(element.text)
    return found


@pytest.mark.parametrize(
    ("given", "written"),
    [
        ("Jürgen Müller", "Juergen Mueller"),
        ("Jörg Weiß", "Joerg Weiss"),
        ("Ärzte Ökologie Übersee", "Aerzte Oekologie Uebersee"),
        ("MÜLLER GMBH", "MUELLER GMBH"),  # capitals stay capitals
        ("Herr Ü. Özdemir", "Herr Ue. Oezdemir"),
        ("Müller & Söhne GbR", "Mueller + Soehne GbR"),
        ("Anna  Albers ", "Anna Albers"),
        ("Anna <Albers>", "Anna Albers"),  # a removed sign leaves no double space
        (" Café „Crème“ ", "Cafe Creme"),
        ("José García-López", "Jose Garcia-Lopez"),
        ("Łukasz Øster", "Lukasz Oster"),
        ("O’Brien", "O'Brien"),
        ("Иван Петров", "Ivan Petrov"),
    ],
)
def test_names_are_transliterated_the_german_way_into_the_epc_set(given, written):
    assert sepa_name(given) == written
    assert EPC_BASIC.fullmatch(sepa_name(given))


def test_texts_are_cut_to_their_field_after_transliteration():
    assert sepa_name("Jürgen Müller " * 6) == ("Juergen Mueller " * 5)[:70].rstrip()
    assert len(sepa_remittance("ä " * 100)) <= 140
    assert sepa_text("Lüdenscheid Straße", max_length=12) == "Luedenscheid"  # no trailing space


@given(text=st.text(), length=st.integers(min_value=1, max_value=140))
def test_any_text_comes_out_in_the_epc_set_with_single_inner_spaces(text, length):
    written = sepa_text(text, max_length=length)

    assert EPC_BASIC.fullmatch(written)
    assert len(written) <= length
    assert written == written.strip() and "  " not in written
    assert sepa_text(written, max_length=length) == written  # a written text stays as it is


def test_the_credit_transfer_writes_names_as_german_banks_expect(db, item_for, settings):
    from payouts.services import payout_run_approve, payout_run_prepare
    from tests.factories import PartnerFactory

    from .test_runs import admin_with

    settings.COMPANY_BANK_ACCOUNT_HOLDER = "Lumen Naturkosmetik GmbH & Co. KG"
    jurgen = PartnerFactory(first_name="Jürgen", last_name="Weiß")
    item_for(jurgen, payout="100.00", account_holder="Jürgen Weiß & Söhne  GbR")
    run = payout_run_prepare(actor=admin_with("prepare_payoutrun"))
    run = payout_run_approve(run=run, actor=admin_with("approve_payoutrun"))
    xml = bytes(run.sepa_xml)

    xmlschema.XMLSchema(str(EPC_XSD)).validate(xml)  # raises when invalid
    fields = text_fields(xml)
    assert "Juergen Weiss + Soehne GbR" in fields["Nm"]
    assert "Lumen Naturkosmetik GmbH + Co. KG" in fields["Nm"]
    for text in fields["Nm"] + fields["Ustrd"]:
        assert EPC_BASIC.fullmatch(text), text
        assert text == text.strip() and "  " not in text, text


def test_the_direct_debit_file_writes_names_and_remittance_the_same_way(db, settings):
    from tests.factories import CustomerFactory

    from .test_debit_collections import TODAY, admin_with, collect, debit_for, mandate_for

    settings.COMPANY_NAME = "Lumen Naturkosmetik & Söhne"
    settings.COMPANY_BANK_ACCOUNT_HOLDER = "Lumen Naturkosmetik GmbH & Co. KG"
    mandate = mandate_for(CustomerFactory(), account_holder="Jürgen Weiß")
    debit_for(mandate, total="49.90", due=date(2026, 12, 3))
    collection = collect(
        admin_with("prepare_debitcollection", "view_debitcollection"),
        admin_with("approve_debitcollection", "view_debitcollection"),
        today=TODAY,
    )
    xml = bytes(collection.sepa_xml)

    xmlschema.XMLSchema(str(DATA / "pain.008.001.08.xsd")).validate(xml)
    fields = text_fields(xml)
    assert "Juergen Weiss" in fields["Nm"]
    assert "Lumen Naturkosmetik GmbH + Co. KG" in fields["Nm"]
    assert fields["Ustrd"][0].startswith("Lumen Naturkosmetik + Soehne ")
    for text in fields["Nm"] + fields["Ustrd"]:
        assert EPC_BASIC.fullmatch(text), text
    assert Decimal(collection.batches[0]["total"]) == Decimal("49.90")
