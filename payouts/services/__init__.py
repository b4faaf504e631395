"""Writes of the payouts app: money going out and money coming in.

Money going out: profiles.py (a partner's bank and tax details),
credit_notes.py (the numbered Gutschrift with its PDF and e-invoice), runs.py
(payout runs with four eyes, the SEPA transfer file, returned payouts).
Money coming in: mandates.py (SEPA direct-debit mandates, an order's debit),
debit_collections.py (collections with four eyes, the SEPA direct-debit file,
collected and returned debits). bank_statements.py imports the bank's
statements and matches every booking to what it pays: an order, a payout run,
a returned payout, a collection or a returned debit. audit.py holds the
payouts log and the permission check all of them share. Why money coming in stays in this app for now:
docs/decisions/0005-money-in-and-money-out.md.

One subject per module; the public names are re-exported here, so
`from payouts.services import payout_run_approve` works as before.
"""

from .audit import payout_log
from .bank_statements import (
    BANK_MATCHERS,
    ORDER_NUMBER_RE,
    ImportResult,
    bank_statement_import,
    bank_transaction_resolve,
    order_numbers_in,
)
from .credit_notes import (
    company_snapshot,
    credit_note_cancel,
    credit_note_issue,
    credit_note_number_next,
    recipient_snapshot,
)
from .debit_collections import (
    collection_date_check,
    debit_collection_approve,
    debit_collection_cancel,
    debit_collection_prepare,
    debit_collection_submit,
    debit_notice_enqueue_on_commit,
    order_debit_collect,
    order_debit_return,
)
from .mandates import (
    MANDATE_TEXTS,
    debit_mandate_create,
    debit_mandate_revoke,
    mandate_text,
    order_debit_schedule,
)
from .profiles import payout_profile_clean, payout_profile_save
from .runs import (
    payout_item_release,
    payout_item_return,
    payout_items_sync,
    payout_run_approve,
    payout_run_cancel,
    payout_run_mark_paid,
    payout_run_prepare,
)

__all__ = [
    "BANK_MATCHERS",
    "ImportResult",
    "MANDATE_TEXTS",
    "ORDER_NUMBER_RE",
    "bank_statement_import",
    "bank_transaction_resolve",
    "collection_date_check",
    "company_snapshot",
    "credit_note_cancel",
    "credit_note_issue",
    "credit_note_number_next",
    "debit_collection_approve",
    "debit_collection_cancel",
    "debit_collection_prepare",
    "debit_collection_submit",
    "debit_mandate_create",
    "debit_mandate_revoke",
    "debit_notice_enqueue_on_commit",
    "mandate_text",
    "order_debit_collect",
    "order_debit_return",
    "order_debit_schedule",
    "order_numbers_in",
    "payout_item_release",
    "payout_item_return",
    "payout_items_sync",
    "payout_log",
    "payout_profile_clean",
    "payout_profile_save",
    "payout_run_approve",
    "payout_run_cancel",
    "payout_run_mark_paid",
    "payout_run_prepare",
    "recipient_snapshot",
]
