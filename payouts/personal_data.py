"""Where this app keeps personal data and how an erasure treats it (see
partners/personal_data.py for the strategies). Credit notes, payout entries and
bank lines are booking documents: kept, restricted to admins, until 8 years
after the end of their year, then scrubbed by privacy.tasks.scrub_expired_retention.
The payout profile itself is scrubbed at once (each credit note has its snapshot)."""

PERSONAL_DATA = {
    "payouts.PayoutProfile": {
        "subject": [("partner", "partner")],
        "fields": {
            "account_holder": "blank",
            "iban": "blank",
            "bic": "blank",
            "company_name": "blank",
            "street": "blank",
            "postal_code": "blank",
            "city": "blank",
            "tax_number": "blank",
            "vat_id": "blank",
        },
    },
    "payouts.CreditNote": {
        "subject": [("partner", "partner")],
        "fields": {"recipient": "json_blank", "pdf": "bytes_blank", "xml": "bytes_blank"},
        "retention": {"years": 8, "date": "issue_date", "fields": ["recipient", "pdf", "xml"]},
    },
    "payouts.PayoutRunEntry": {
        "subject": [("partner", "item__partner")],
        "fields": {
            "account_holder": "name",
            "iban": "blank",
            "bic": "blank",
            "remittance": "blank",
            "note": "redact",
        },
        "retention": {
            "years": 8,
            "date": "item__prepared_at",
            "fields": ["account_holder", "iban", "bic", "remittance"],
        },
    },
    "payouts.BankTransaction": {
        "subject": [("customer", "order__customer"), ("partner", "payout_item__partner")],
        "fields": {
            "counterparty_name": "name",
            "counterparty_iban": "blank",
            "reference": "blank",
            "resolution_note": "redact",
        },
        "retention": {
            "years": 8,
            "date": "booking_date",
            "fields": ["counterparty_name", "counterparty_iban", "reference"],
        },
    },
    "payouts.PayoutLog": {"subject": [("partner", "partner")], "fields": {"message": "redact"}},
}

NOT_PERSONAL = {
    "payouts.BankStatement.file_name": "the company's own bank file",
    "payouts.BankStatement.account_iban": "the company's own account",
    "payouts.PayoutRun.message_id": "a SEPA message id",
    "payouts.PayoutItem.return_reason": "a bank's return code",
    "payouts.PayoutRunEntry.return_reason": "a bank's return code",
    "payouts.BankTransaction.return_reason": "a bank's return code",
    "payouts.BankTransaction.bank_reference": "the bank's own booking id",
    "payouts.CreditNote.tax_note": "the legal tax wording of the document",
}
