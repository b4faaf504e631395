"""On PostgreSQL a page of the team list reads one page of rows from the path
index, in order, whatever the size of the team (EXPLAIN ANALYZE's row counts)."""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dashboard.selectors import team_list
from partners.models import Partner
from qualification.services import period_current_open
from tests.dashboard.conftest import team_build
from tests.factories import PartnerFactory

pytestmark = [pytest.mark.integration, pytest.mark.django_db]

TEAM = 3_000


def nodes(plan: dict):
    yield plan
    for child in plan.get("Plans", []):
        yield from nodes(child)


def analyzed_page_query(**kwargs) -> list[dict]:
    with CaptureQueriesContext(connection) as queries:
        page = team_list(**kwargs)
    [query] = queries.captured_queries
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + query["sql"])
        plan = cursor.fetchone()[0]
    if isinstance(plan, str):
        plan = json.loads(plan)
    return page, list(nodes(plan[0]["Plan"]))


@pytest.mark.parametrize("second_page", [False, True])
def test_a_page_of_a_large_team_reads_a_page_of_rows_from_the_index(second_page):
    assert connection.vendor == "postgresql", "run with DATABASE_URL pointing at PostgreSQL"
    period = period_current_open()
    leader = PartnerFactory()
    PartnerFactory()  # someone outside the team
    team_build(root=leader, size=TEAM, period=period, branching=6)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE partners_partner")
        cursor.execute("ANALYZE qualification_partnerperiodstats")
    leader = Partner.objects.get(pk=leader.pk)
    after = ""
    if second_page:
        after = team_list(partner=leader, period=period, plan_desc=[]).next_cursor

    page, plan = analyzed_page_query(partner=leader, period=period, plan_desc=[], after=after)

    assert page.total == TEAM and len(page.object_list) == 25
    assert not [n for n in plan if n["Node Type"] in {"Sort", "Incremental Sort"}], plan
    [scan] = [n for n in plan if n.get("Relation Name") == "partners_partner"]
    assert scan.get("Index Name") == "partner_path_head", scan
    assert scan["Actual Rows"] <= 26 and scan.get("Rows Removed by Filter", 0) == 0, scan
