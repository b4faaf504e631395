"""The EN 16931 schematron helper (tests/einvoice.py) itself: it passes the
official valid example and names the rule a broken one breaks."""

import re

from tests.einvoice import DATA, schematron_errors

EXAMPLE = (DATA / "CII_business_example_01.xml").read_bytes()


def test_the_official_example_invoice_breaks_no_en16931_rule():
    assert schematron_errors(EXAMPLE) == []


def test_a_wrong_amount_due_is_reported_as_br_co_16():
    broken = EXAMPLE.replace(
        b"<ram:DuePayableAmount>801.78</ram:DuePayableAmount>",
        b"<ram:DuePayableAmount>811.78</ram:DuePayableAmount>",
    )

    errors = schematron_errors(broken)

    assert len(errors) == 1
    assert errors[0].startswith("[BR-CO-16]")
    assert "SpecifiedTradeSettlementHeaderMonetarySummation" in errors[0]


def test_a_seller_without_any_identifier_is_reported_as_br_co_26():
    start = EXAMPLE.index(b"<ram:SellerTradeParty>")
    end = EXAMPLE.index(b"</ram:SellerTradeParty>")
    seller = EXAMPLE[start:end]
    bare = re.sub(rb"<ram:(GlobalID|ID)\b[^>]*>[^<]*</ram:\1>\s*", b"", seller)
    bare = re.sub(
        rb"<ram:SpecifiedTaxRegistration>.*?</ram:SpecifiedTaxRegistration>\s*",
        b"",
        bare,
        flags=re.S,
    )
    bare = re.sub(
        rb"<ram:SpecifiedLegalOrganization>.*?</ram:SpecifiedLegalOrganization>\s*",
        b"",
        bare,
        flags=re.S,
    )

    errors = schematron_errors(EXAMPLE[:start] + bare + EXAMPLE[end:])

    assert any(error.startswith("[BR-CO-26]") for error in errors), errors
