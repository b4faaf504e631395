"""Reads of statements and estimates for the partner's dashboard, the API and the
admin, one subject per module: statements.py (a closed period's statements
and their lines), earnings.py (earnings over time, the live estimate),
whatif.py (the what-if estimate). Each read costs a fixed number of queries,
whatever the team size or the number of lines: lines are paginated and come
with their names in one query. The public names are re-exported here.
"""

from .earnings import (
    EarningsRow,
    EstimateView,
    earnings_by_period,
    estimate_for_partner,
    statement_latest_start,
)
from .statements import (
    EXPORT_HEADER,
    LINES_PER_PAGE,
    CustomerOrderRow,
    LineRow,
    StatementDetail,
    line_rows_grouped,
    line_sentence,
    plan_setting,
    statement_customer_orders,
    statement_customer_orders_page,
    statement_detail,
    statement_export_rows,
    statement_lines,
    statement_lines_for_admin,
    statement_roundings,
    with_paid_generation,
)
from .whatif import (
    CommissionWhatIf,
    LegVolume,
    PartnerCommissionInput,
    commission_whatif,
    cv_per_pv,
    partner_commission_estimate,
    partner_commission_input,
)

__all__ = [
    "CommissionWhatIf",
    "CustomerOrderRow",
    "EXPORT_HEADER",
    "EarningsRow",
    "EstimateView",
    "LINES_PER_PAGE",
    "LegVolume",
    "LineRow",
    "PartnerCommissionInput",
    "StatementDetail",
    "commission_whatif",
    "cv_per_pv",
    "earnings_by_period",
    "estimate_for_partner",
    "line_rows_grouped",
    "line_sentence",
    "partner_commission_estimate",
    "partner_commission_input",
    "plan_setting",
    "statement_customer_orders",
    "statement_customer_orders_page",
    "statement_detail",
    "statement_export_rows",
    "statement_latest_start",
    "statement_lines",
    "statement_lines_for_admin",
    "statement_roundings",
    "with_paid_generation",
]
