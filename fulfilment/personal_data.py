"""Where this app keeps personal data (see partners/personal_data.py for the
strategies). A parcel holds no address of its own (that is the order's), but its
tracking number leads to the recipient's name and delivery address at the
carrier, so it is personal. It is evidence of the delivery the invoice states
(and of the day the withdrawal period started): kept like the order and its
invoice, restricted to admins, until 8 years after the end of the year it was
shipped in, then replaced by a pseudonym (the carrier and tracking number stay
unique, the parcel and its lines stay for the books)."""

PERSONAL_DATA = {
    "fulfilment.Shipment": {
        "subject": [("customer", "order__customer")],
        "fields": {"tracking_number": "pseudonym"},
        "retention": {"years": 8, "date": "shipped_on", "fields": ["tracking_number"]},
    },
}

NOT_PERSONAL = {}

# Shown in a person's data export (Art. 15/20); never scrubbed (quantities, products).
EXPORT_ALSO = {
    "fulfilment.ShipmentLine": [("customer", "shipment__order__customer")],
}
