"""Reads for the partner dashboard and the API.

The dashboard owns no business data: volume, ranks, legs and periods are read
through qualification.selectors, the team through partners.selectors, and
this package shapes them for the screens (report card wording, team pages).
Every function answers one screen with a constant number of queries: the
team is read through the genealogy's path range and the period's results are
LEFT JOINed onto it, so nothing grows with the size of a team.

One subject per module: display.py (volumes for people), periods.py (today,
days left), report.py (the qualification report card), team.py (tree, team
list, close to a rank), customers.py (customers and orders), landing.py (the
landing page's visits) and tokens.py (API tokens). The names are re-exported
here, so `from dashboard.selectors import team_list` keeps working; the
"What's missing?" and links pages have their own modules beside this package
(selectors_whatif.py, selectors_links.py). Private helpers stay in their
module; `_requirement_label` is re-exported for selectors_whatif.py.
"""

from .customers import partner_customers, partner_orders
from .display import HUNDRED, ZERO, volume_display
from .landing import LandingStats, VisitDay, landing_stats
from .periods import period_days_left
from .report import (
    LegRow,
    QualificationProgress,
    RankChoice,
    RequirementRow,
    _requirement_label,
    cap_sentence,
    qualification_progress,
)
from .team import (
    CLOSE_SHARE,
    TEAM_COUNT_LIMIT,
    TEAM_SORT_DEFAULT,
    TEAM_SORTS,
    RowCompare,
    TeamMemberHint,
    TeamPage,
    close_hint,
    team_children,
    team_cursor_decode,
    team_cursor_encode,
    team_level,
    team_list,
    team_node_get,
    team_path,
)
from .tokens import partner_api_tokens

__all__ = [
    "ZERO",
    "HUNDRED",
    "CLOSE_SHARE",
    "volume_display",
    "period_days_left",
    "RequirementRow",
    "LegRow",
    "RankChoice",
    "QualificationProgress",
    "_requirement_label",
    "cap_sentence",
    "qualification_progress",
    "team_node_get",
    "team_children",
    "team_path",
    "TEAM_SORTS",
    "TEAM_SORT_DEFAULT",
    "TEAM_COUNT_LIMIT",
    "RowCompare",
    "team_cursor_encode",
    "team_cursor_decode",
    "TeamMemberHint",
    "close_hint",
    "TeamPage",
    "team_list",
    "team_level",
    "partner_customers",
    "partner_orders",
    "VisitDay",
    "LandingStats",
    "landing_stats",
    "partner_api_tokens",
]
