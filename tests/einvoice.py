"""The official CEN EN 16931 business rules (schematron, CII syntax) as a test
helper: `schematron_errors(xml)` lists the rules an e-invoice breaks.

The XSLT in tests/data/en16931/ is the compiled schematron that CEN/TC 434
publishes (ConnectingEurope/eInvoicing-EN16931, validation-1.3.16, file
cii/xslt/EN16931-CII-validation.xslt, unchanged; EUPL 1.2, see README.md and
LICENSE.txt there). The XSD only checks the shape; these rules check the
content (BR-CO-26 seller identifiers, BR-CO-10 sums, code lists, ...).
It is XSLT 2.0, so it runs in Saxon (saxonche), compiled once per process."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from lxml import etree

DATA = Path(__file__).parent / "data" / "en16931"
XSLT = DATA / "EN16931-CII-validation.xslt"
SVRL = "http://purl.oclc.org/dsdl/svrl"


@cache
def _executable():
    from saxonche import PySaxonProcessor

    processor = PySaxonProcessor(license=False)
    compiler = processor.new_xslt30_processor()
    return processor, compiler.compile_stylesheet(stylesheet_file=str(XSLT))


def schematron_report(xml: bytes) -> bytes:
    """The SVRL report of the EN 16931 CII rules over the XML."""
    processor, executable = _executable()
    document = processor.parse_xml(xml_text=xml.decode("utf-8"))
    return executable.transform_to_string(xdm_node=document).encode("utf-8")


def schematron_messages(xml: bytes, *, flags: tuple[str, ...] = ("fatal",)) -> list[str]:
    """The failed rules of the given flags ("fatal", "warning") as
    "[BR-CO-26]-... (at /rsm:...)" lines, in document order."""
    report = etree.fromstring(schematron_report(xml))
    messages = []
    for failure in report.iter(f"{{{SVRL}}}failed-assert", f"{{{SVRL}}}successful-report"):
        if (failure.get("flag") or "fatal") not in flags:
            continue
        text = " ".join("".join(failure.itertext()).split())
        messages.append(f"{text} (at {_readable(failure.get('location') or '')})")
    return messages


def _readable(location: str) -> str:
    """/*:A[namespace-uri()='...'][1]/*:B[...][1] -> /A/B"""
    location = re.sub(r"\[namespace-uri\(\)='[^']*'\]", "", location)
    return re.sub(r"\[1\]", "", location).replace("*:", "")


def schematron_errors(xml: bytes) -> list[str]:
    """The fatal EN 16931 rules the XML breaks; [] for a valid e-invoice."""
    return schematron_messages(xml, flags=("fatal",))


def schematron_warnings(xml: bytes) -> list[str]:
    """The warnings (rules of "should"), e.g. BR-CL codes that are discouraged."""
    return schematron_messages(xml, flags=("warning",))
