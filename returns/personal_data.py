"""Where this app keeps personal data. A withdrawal is evidence of a declaration
and a business letter (Handelsbrief): its name and e-mail stay, restricted to
admins, 8 years from the end of the year it was declared in, like the orders it
undoes. A return keeps no personal data of its own beyond its note."""

PERSONAL_DATA = {
    "returns.Withdrawal": {
        "subject": [("customer", "order__customer"), ("customer", "email", "email")],
        "fields": {"name": "name", "email": "email", "reference": "redact"},
        "retention": {"years": 8, "date": "declared_at", "fields": ["name"]},
    },
    "returns.Return": {"subject": [("customer", "order__customer")], "fields": {"note": "redact"}},
    "returns.ReturnLog": {
        "subject": [("customer", "ret__order__customer")],
        "fields": {"note": "redact"},
    },
}

NOT_PERSONAL = {
    "returns.Return.reason": "a choice of three reasons (withdrawal, complaint, other); free text goes in the note",
}

# Shown in a person's data export (Art. 15/20); never scrubbed (quantities, products).
EXPORT_ALSO = {
    "returns.ReturnLine": [("customer", "ret__order__customer")],
}
