"""Models of the payouts app, one subject per module (commissions.md sections 5
and 6, the SEPA direct debit of orders and subscriptions).

Money going out: profiles.py (a partner's payout profile), credit_notes.py,
runs.py (payout items, runs and their entries). Money coming in: mandates.py,
debit_collections.py (order debits, collections, returns, notices). Between
them: bank_statements.py (imported statements and their lines) and log.py
(the payouts log). Every model is imported here, so Django finds them and
`from payouts.models import PayoutRun` works as before.
"""

from .bank_statements import BankStatement, BankTransaction
from .credit_notes import CreditNote, CreditNoteCounter
from .debit_collections import (
    DEBIT_RETURN_REASONS,
    DebitCollection,
    DebitNotice,
    OrderDebit,
    SequenceType,
)
from .log import PayoutLog
from .mandates import DebitMandate
from .profiles import PayoutProfile, TaxStatus, iban_mask
from .runs import RETURN_REASONS, PayoutItem, PayoutRun, PayoutRunEntry

__all__ = [
    "BankStatement",
    "BankTransaction",
    "CreditNote",
    "CreditNoteCounter",
    "DEBIT_RETURN_REASONS",
    "DebitCollection",
    "DebitMandate",
    "DebitNotice",
    "OrderDebit",
    "PayoutItem",
    "PayoutLog",
    "PayoutProfile",
    "PayoutRun",
    "PayoutRunEntry",
    "RETURN_REASONS",
    "SequenceType",
    "TaxStatus",
    "iban_mask",
]
