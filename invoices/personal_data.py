"""Where this app keeps personal data and how an erasure treats it (see
partners/personal_data.py for the strategies). An invoice is a booking document:
the buyer's snapshot, the PDF and the XML stay, restricted to admins, until 8
years after the end of the year it was issued in, then they are scrubbed; its
number and amounts are never touched."""

PERSONAL_DATA = {
    "invoices.Invoice": {
        "subject": [("customer", "order__customer")],
        "fields": {"buyer": "json_blank", "pdf": "bytes_blank", "xml": "bytes_blank"},
        "retention": {"years": 8, "date": "issue_date", "fields": ["buyer", "pdf", "xml"]},
    },
}

NOT_PERSONAL = {
    "invoices.Invoice.seller": "the company's own name and address",
    "invoices.Invoice.lines": "products, quantities and prices",
    "invoices.Invoice.language": "the language of the document",
}
