"""The hybrid e-invoice PDF (Factur-X 1.0 / ZUGFeRD 2, profile EN 16931): a
PDF/A-3b written by fpdf2 with the EN 16931 XML as its associated file.

Factur-X and ZUGFeRD require PDF/A-3, so the PDF is PDF/A-3 for real rather
than only saying so: fpdf2 in PDF/A-3B mode embeds every font (ours are
TrueType files, the 14 standard fonts are refused), writes the sRGB output
intent (the ICC's sRGB2014 v2 profile that fpdf2 ships) and the catalog's /AF
list; here the XML becomes `factur-x.xml` with AFRelationship /Alternative and
its MIME type, and the XMP carries pdfaid (part 3, conformance B), the
Factur-X extension schema and the same title, author, tool, producer and dates
as the document information dictionary (ISO 19005-3 6.6.2.3)."""

from __future__ import annotations

from datetime import UTC, datetime
from xml.sax.saxutils import escape

from fpdf import FPDF, FPDF_VERSION
from fpdf.enums import AssociatedFileRelationship, DocumentCompliance, PageMode

FILE_NAME = "factur-x.xml"
LEVEL = "EN 16931"
FX_NAMESPACE = "urn:factur-x:pdfa:CrossIndustryDocument:invoice:1p0#"
CREATOR = "Partner back office"


def facturx_document(**kwargs) -> FPDF:
    """An FPDF that refuses what PDF/A-3b forbids (fpdf2's PDFA_3B mode)."""
    return FPDF(enforce_compliance=DocumentCompliance.PDFA_3B, **kwargs)


def _fx_property(name: str, description: str) -> str:
    return f"""            <rdf:li rdf:parseType="Resource">
              <pdfaProperty:name>{name}</pdfaProperty:name>
              <pdfaProperty:valueType>Text</pdfaProperty:valueType>
              <pdfaProperty:category>external</pdfaProperty:category>
              <pdfaProperty:description>{description}</pdfaProperty:description>
            </rdf:li>"""


def facturx_xmp(
    *, title: str, author: str, subject: str, creator: str, producer: str, when: datetime
) -> str:
    """The XMP packet body (without <?xpacket?>, fpdf2 wraps it)."""
    stamp = when.isoformat(timespec="seconds")
    properties = "\n".join(
        [
            _fx_property("DocumentFileName", "The name of the embedded XML document"),
            _fx_property(
                "DocumentType",
                "The type of the hybrid document in capital letters, e.g. INVOICE or ORDER",
            ),
            _fx_property(
                "Version", "The actual version of the standard applying to the embedded XML"
            ),
            _fx_property("ConformanceLevel", "The conformance level of the embedded XML"),
        ]
    )
    return f"""<x:xmpmeta xmlns:x="adobe:ns:meta/">
  <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
    <rdf:Description rdf:about="" xmlns:pdfaid="http://www.aiim.org/pdfa/ns/id/">
      <pdfaid:part>3</pdfaid:part>
      <pdfaid:conformance>B</pdfaid:conformance>
    </rdf:Description>
    <rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/">
      <dc:title><rdf:Alt><rdf:li xml:lang="x-default">{escape(title)}</rdf:li></rdf:Alt></dc:title>
      <dc:creator><rdf:Seq><rdf:li>{escape(author)}</rdf:li></rdf:Seq></dc:creator>
      <dc:description><rdf:Alt><rdf:li xml:lang="x-default">{escape(subject)}</rdf:li></rdf:Alt></dc:description>
    </rdf:Description>
    <rdf:Description rdf:about="" xmlns:pdf="http://ns.adobe.com/pdf/1.3/">
      <pdf:Producer>{escape(producer)}</pdf:Producer>
    </rdf:Description>
    <rdf:Description rdf:about="" xmlns:xmp="http://ns.adobe.com/xap/1.0/">
      <xmp:CreatorTool>{escape(creator)}</xmp:CreatorTool>
      <xmp:CreateDate>{stamp}</xmp:CreateDate>
      <xmp:ModifyDate>{stamp}</xmp:ModifyDate>
      <xmp:MetadataDate>{stamp}</xmp:MetadataDate>
    </rdf:Description>
    <rdf:Description rdf:about=""
        xmlns:pdfaExtension="http://www.aiim.org/pdfa/ns/extension/"
        xmlns:pdfaSchema="http://www.aiim.org/pdfa/ns/schema#"
        xmlns:pdfaProperty="http://www.aiim.org/pdfa/ns/property#">
      <pdfaExtension:schemas>
        <rdf:Bag>
          <rdf:li rdf:parseType="Resource">
            <pdfaSchema:schema>Factur-X PDFA Extension Schema</pdfaSchema:schema>
            <pdfaSchema:namespaceURI>{FX_NAMESPACE}</pdfaSchema:namespaceURI>
            <pdfaSchema:prefix>fx</pdfaSchema:prefix>
            <pdfaSchema:property>
              <rdf:Seq>
{properties}
              </rdf:Seq>
            </pdfaSchema:property>
          </rdf:li>
        </rdf:Bag>
      </pdfaExtension:schemas>
    </rdf:Description>
    <rdf:Description rdf:about="" xmlns:fx="{FX_NAMESPACE}">
      <fx:DocumentFileName>{FILE_NAME}</fx:DocumentFileName>
      <fx:DocumentType>INVOICE</fx:DocumentType>
      <fx:Version>1.0</fx:Version>
      <fx:ConformanceLevel>{LEVEL}</fx:ConformanceLevel>
    </rdf:Description>
  </rdf:RDF>
</x:xmpmeta>"""


def facturx_pdf(
    pdf: FPDF, *, xml: bytes, title: str, author: str, subject: str, when: datetime | None = None
) -> bytes:
    """The finished PDF/A-3b of `pdf` (made by facturx_document) with `xml` as
    factur-x.xml. `when` is its creation time (now if not given)."""
    when = (when or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)
    producer = f"fpdf2 {FPDF_VERSION}"
    pdf.set_title(title)
    pdf.set_author(author)
    pdf.set_subject(subject)
    pdf.set_creator(CREATOR)
    pdf.set_producer(producer)
    pdf.set_creation_date(when)
    pdf.set_xmp_metadata(
        facturx_xmp(
            title=title,
            author=author,
            subject=subject,
            creator=CREATOR,
            producer=producer,
            when=when,
        )
    )
    pdf.embed_file(
        basename=FILE_NAME,
        bytes=xml,
        desc=f"Factur-X / ZUGFeRD e-invoice, profile {LEVEL} (CII)",
        mime_type="text/xml",
        associated_file_relationship=AssociatedFileRelationship.ALTERNATIVE,
        creation_date=when,
        modification_date=when,
    )
    pdf.page_mode = PageMode.USE_ATTACHMENTS
    return bytes(pdf.output())
