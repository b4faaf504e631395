"""What a PDF/A-3 validator (veraPDF) checks first, as a test helper:
`pdfa3_problems(pdf_bytes)` lists the broken requirements of ISO 19005-3 that
a generated invoice can get wrong; [] when none is broken.

It is no full validator (veraPDF, a Java program, is not installable from the
registries this project uses): it checks the file header, the trailer's /ID and
no encryption, the PDF/A output intent with an embedded RGB ICC profile, every
font embedded, the XMP (pdfaid part 3, an extension schema for every
non-standard namespace used, the same values as the document information
dictionary), and every embedded file as an associated file with its MIME type,
modification date and relationship."""

from __future__ import annotations

import io
import re
from datetime import datetime

from lxml import etree
from pypdf import PdfReader
from pypdf.generic import IndirectObject

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
NS = {
    "rdf": RDF,
    "pdfaid": "http://www.aiim.org/pdfa/ns/id/",
    "dc": "http://purl.org/dc/elements/1.1/",
    "xmp": "http://ns.adobe.com/xap/1.0/",
    "pdf": "http://ns.adobe.com/pdf/1.3/",
    "pdfaSchema": "http://www.aiim.org/pdfa/ns/schema#",
}
# Namespaces predefined by XMP (ISO 19005-3 6.6.2.3.2): no extension schema needed.
PREDEFINED = {
    RDF,
    "adobe:ns:meta/",
    "http://www.w3.org/XML/1998/namespace",
    NS["pdfaid"],
    NS["dc"],
    NS["xmp"],
    NS["pdf"],
    "http://ns.adobe.com/xap/1.0/mm/",
    "http://ns.adobe.com/xap/1.0/rights/",
    "http://ns.adobe.com/pdfx/1.3/",
    "http://www.aiim.org/pdfa/ns/extension/",
    "http://www.aiim.org/pdfa/ns/schema#",
    "http://www.aiim.org/pdfa/ns/property#",
    "http://www.aiim.org/pdfa/ns/type#",
    "http://www.aiim.org/pdfa/ns/field#",
}


def _pdf_date(value: str) -> datetime:
    """D:20261207081809Z / D:20261207081809+01'00' -> aware datetime."""
    match = re.fullmatch(r"D:(\d{14})(Z|[+-]\d{2}'\d{2}'?)?(00'00')?", str(value))
    stamp, zone = match.group(1), (match.group(2) or "Z")
    zone = "+0000" if zone.startswith("Z") else zone.replace("'", "")
    return datetime.strptime(stamp + zone, "%Y%m%d%H%M%S%z")


def _fonts(resources, seen: set) -> list:
    found = []
    if not resources:
        return found
    resources = resources.get_object()
    for font in (resources.get("/Font") or {}).values():
        font = font.get_object()
        found.append(font)
        for descendant in font.get("/DescendantFonts") or []:
            found.append(descendant.get_object())
    for xobject in (resources.get("/XObject") or {}).values():
        if isinstance(xobject, IndirectObject):
            if xobject.idnum in seen:
                continue
            seen.add(xobject.idnum)
        found += _fonts(xobject.get_object().get("/Resources"), seen)
    return found


def pdfa3_problems(pdf: bytes) -> list[str]:
    problems: list[str] = []
    head = pdf[:64].split(b"\n")
    if not re.fullmatch(rb"%PDF-1\.[0-7]\r?", head[0]):
        problems.append(f"6.1.2 header is {head[0][:12]!r}, not %PDF-1.n")
    if len(head) < 2 or not (head[1].startswith(b"%") and sum(c > 127 for c in head[1]) >= 4):
        problems.append("6.1.2 no binary comment of four bytes above 127 after the header")

    reader = PdfReader(io.BytesIO(pdf))
    trailer = reader.trailer
    if "/ID" not in trailer:
        problems.append("6.1.3 the trailer has no /ID")
    if "/Encrypt" in trailer:
        problems.append("6.1.3 the file is encrypted")
    root = trailer["/Root"].get_object()
    for key in ("/JavaScript",):
        if key in (root.get("/Names") or {}):
            problems.append(f"6.6.1 the catalog names {key}")
    if "/AA" in root:
        problems.append("6.6.2 the catalog has additional actions (/AA)")

    # 6.2.3 output intent: device colours need a PDF/A output intent with its ICC profile
    intents = [i.get_object() for i in root.get("/OutputIntents") or []]
    pdfa_intents = [i for i in intents if i.get("/S") == "/GTS_PDFA1"]
    if not pdfa_intents:
        problems.append("6.2.3 no output intent /GTS_PDFA1 (device colours are undefined)")
    for intent in pdfa_intents:
        profile = intent.get("/DestOutputProfile")
        if profile is None:
            problems.append("6.2.3 the output intent has no /DestOutputProfile")
            continue
        profile = profile.get_object()
        icc = profile.get_data()
        if icc[36:40] != b"acsp":
            problems.append("6.2.3 the /DestOutputProfile is no ICC profile")
        elif icc[16:20] != b"RGB " or profile.get("/N") != 3:
            problems.append(f"6.2.3 the output profile is {icc[16:20]!r}, not RGB with /N 3")
        elif icc[8] > 4:
            problems.append(f"6.2.3 ICC profile version {icc[8]} (at most 4)")
        elif icc[12:16] not in (b"mntr", b"prtr"):
            problems.append(f"6.2.3 ICC profile class {icc[12:16]!r} (mntr or prtr)")

    # 6.2.11.4 every font program embedded
    seen: set = set()
    for page in reader.pages:
        for font in _fonts(page.get("/Resources"), seen):
            if font.get("/Subtype") in ("/Type0", "/Type3"):
                continue
            descriptor = font.get("/FontDescriptor")
            descriptor = descriptor.get_object() if descriptor is not None else {}
            if not any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")):
                problems.append(f"6.2.11.4 font {font.get('/BaseFont')} is not embedded")

    # 6.6.2 XMP metadata
    if "/Metadata" not in root:
        problems.append("6.6.2.1 the catalog has no /Metadata (XMP)")
        return problems
    xmp = etree.fromstring(root["/Metadata"].get_object().get_data())

    def one(path: str) -> str | None:
        found = xmp.xpath(path, namespaces=NS)
        return str(found[0]).strip() if found else None

    part = one("//pdfaid:part/text() | //@pdfaid:part")
    conformance = one("//pdfaid:conformance/text() | //@pdfaid:conformance")
    if part != "3":
        problems.append(f"6.6.4 XMP pdfaid:part is {part}, not 3")
    if conformance not in ("A", "B", "U"):
        problems.append(f"6.6.4 XMP pdfaid:conformance is {conformance}")
    declared = set(xmp.xpath("//pdfaSchema:namespaceURI/text()", namespaces=NS))
    for element in xmp.iter():
        for qname in [element.tag, *element.attrib]:
            if isinstance(qname, str) and qname.startswith("{"):
                namespace = qname[1:].split("}")[0]
                if namespace not in PREDEFINED and namespace not in declared:
                    problems.append(f"6.6.2.3.2 XMP uses {namespace} without an extension schema")
                    declared.add(namespace)

    info = trailer.get("/Info")
    info = info.get_object() if info is not None else {}
    pairs = {
        "/Title": one("//dc:title//rdf:li/text()"),
        "/Author": one("//dc:creator//rdf:li/text()"),
        "/Subject": one("//dc:description//rdf:li/text()"),
        "/Keywords": one("//pdf:Keywords/text() | //@pdf:Keywords"),
        "/Creator": one("//xmp:CreatorTool/text() | //@xmp:CreatorTool"),
        "/Producer": one("//pdf:Producer/text() | //@pdf:Producer"),
    }
    for key, value in pairs.items():
        if key in info and str(info[key]) != (value or ""):
            problems.append(f"6.6.3 info {key} {info[key]!r} differs from the XMP {value!r}")
    for key, path in (
        ("/CreationDate", "//xmp:CreateDate/text() | //@xmp:CreateDate"),
        ("/ModDate", "//xmp:ModifyDate/text() | //@xmp:ModifyDate"),
    ):
        if key in info:
            value = one(path)
            if value is None or _pdf_date(info[key]) != datetime.fromisoformat(value):
                problems.append(f"6.6.3 info {key} {info[key]} differs from the XMP {value}")

    # 6.8 embedded files are associated files with MIME type and modification date
    associated = {ref.idnum for ref in root.get("/AF") or [] if isinstance(ref, IndirectObject)}
    names = ((root.get("/Names") or {}).get("/EmbeddedFiles") or {}).get("/Names") or []
    for name, spec_ref in zip(names[::2], names[1::2], strict=True):
        spec = spec_ref.get_object()
        if not ({"/F", "/UF"} <= set(spec)):
            problems.append(f"6.8 file spec {name} lacks /F or /UF")
        if "/AFRelationship" not in spec:
            problems.append(f"6.8 file spec {name} has no /AFRelationship")
        if not (isinstance(spec_ref, IndirectObject) and spec_ref.idnum in associated):
            problems.append(f"6.8 {name} is not in the catalog's /AF")
        stream = spec["/EF"]["/F"].get_object()
        if "/Subtype" not in stream:
            problems.append(f"6.8 embedded file {name} has no MIME type (/Subtype)")
        if "/ModDate" not in (stream.get("/Params") or {}):
            problems.append(f"6.8 embedded file {name} has no /Params /ModDate")
    return problems
