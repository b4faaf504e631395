"""Admin of the payouts app, one subject per module, as in payouts/services/:
profiles, log, bank statements, credit notes, runs, mandates, debit collections
(base.py holds what they share). Importing the modules registers their pages.
"""

from .bank_statements import (
    BankStatementAdmin,
    BankTransactionAdmin,
    NeedsAttentionFilter,
    ResolveForm,
    StatementUploadForm,
    TransactionInline,
)
from .base import ReadOnlyAdmin, SepaFileAdmin
from .credit_notes import CancelForm, CreditNoteAdmin
from .debit_collections import (
    CollectionDateForm,
    DebitCollectionAdmin,
    DebitInline,
    DebitReturnForm,
    OrderDebitAdmin,
)
from .log import PayoutLogAdmin
from .mandates import DebitMandateAdmin
from .profiles import PayoutProfileAdmin
from .runs import EntryInline, LogInline, PayoutItemAdmin, PayoutRunAdmin, ReturnForm

__all__ = [
    "BankStatementAdmin",
    "BankTransactionAdmin",
    "CancelForm",
    "CollectionDateForm",
    "CreditNoteAdmin",
    "DebitCollectionAdmin",
    "DebitInline",
    "DebitMandateAdmin",
    "DebitReturnForm",
    "EntryInline",
    "LogInline",
    "NeedsAttentionFilter",
    "OrderDebitAdmin",
    "PayoutItemAdmin",
    "PayoutLogAdmin",
    "PayoutProfileAdmin",
    "PayoutRunAdmin",
    "ReadOnlyAdmin",
    "ResolveForm",
    "ReturnForm",
    "SepaFileAdmin",
    "StatementUploadForm",
    "TransactionInline",
]
