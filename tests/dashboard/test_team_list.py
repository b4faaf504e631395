"""The team list pages with a key cursor over the genealogy index: a page reads
a page of rows and counts nothing, whatever the size of the team."""

import re
from html import unescape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dashboard.selectors import team_list
from qualification.selectors import plan_rules
from tests.dashboard.conftest import client_for, team_build

pytestmark = pytest.mark.django_db


def listed(html: str) -> list[str]:
    return re.findall(r'<tr data-partner="([^"]+)"', html.split('id="team-list"')[1])


def link(html: str, rel: str) -> str | None:
    found = re.search(rf'<a [^>]*href="([^"]+)"[^>]*rel="{rel}"', html)
    return unescape(found.group(1)) if found else None


def test_next_and_previous_pages_show_everyone_once_in_a_stable_order(team, period):
    team_build(root=team.emil, size=30, period=period)
    client = client_for(team.anna)

    first = client.get("/dashboard/team/").content.decode()
    second = client.get("/dashboard/team/" + link(first, "next")).content.decode()
    back = client.get("/dashboard/team/" + link(second, "prev")).content.decode()

    assert "35 partners" in first and "35 partners" in second
    assert len(listed(first)) == 25 and len(listed(second)) == 10
    assert link(first, "prev") is None and link(second, "next") is None
    assert sorted(listed(first) + listed(second)) == sorted(
        ["ben", "clara", "dora", "emil", "finn"] + [f"member-{n}" for n in range(7, 37)]
    )
    assert listed(back) == listed(first)
    # The team order: the direct partners first, then their teams sponsor by sponsor.
    assert listed(first)[:2] == ["ben", "clara"]


def test_pages_of_a_search_and_of_a_sort_by_volume(team, period):
    team_build(root=team.emil, size=30, period=period)
    client = client_for(team.anna)

    found = client.get(
        "/dashboard/team/?q=member", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="team-list"
    )
    html = found.content.decode()
    rest = client.get(
        "/dashboard/team/" + link(html, "next"), HTTP_HX_REQUEST="true", HTTP_HX_TARGET="team-list"
    ).content.decode()
    assert "30 partners" in html and "<html" not in html
    assert 'hx-get="?q=member&amp;after=' in html  # the list pages in place
    assert len(set(listed(html) + listed(rest))) == 30

    by_gv_first = client.get("/dashboard/team/?sort=-gv").content.decode()
    by_gv_rest = client.get("/dashboard/team/" + link(by_gv_first, "next")).content.decode()
    order = listed(by_gv_first) + listed(by_gv_rest)
    assert len(set(order)) == 35
    assert order[:5] == ["ben", "clara", "finn", "dora", "emil"]


def test_a_broken_cursor_starts_at_the_first_page(team):
    response = client_for(team.anna).get("/dashboard/team/?after=not-a-cursor!&sort=gv")

    assert response.status_code == 200
    assert len(listed(response.content.decode())) == 5


def test_the_unfiltered_list_is_one_query_without_a_count(team, period):
    team.anna.refresh_from_db()  # as the dashboard reads the partner on each request
    plan = plan_rules()
    with CaptureQueriesContext(connection) as queries:
        page = team_list(partner=team.anna, period=period, plan_desc=plan)

    assert page.total == 5 and len(page.object_list) == 5
    assert len(queries) == 1
    assert "COUNT(" not in queries[0]["sql"].upper()


@pytest.mark.skipif(connection.vendor != "sqlite", reason="reads SQLite's EXPLAIN QUERY PLAN")
@pytest.mark.parametrize("second_page", [False, True])
def test_a_page_is_read_from_the_path_index_in_order_with_a_limit(team, period, second_page):
    team_build(root=team.emil, size=30, period=period)
    after = ""
    if second_page:
        after = team_list(partner=team.anna, period=period, plan_desc=[]).next_cursor
    with CaptureQueriesContext(connection) as queries:
        team_list(partner=team.anna, period=period, plan_desc=[], after=after)
    [page_query] = queries.captured_queries
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN QUERY PLAN " + page_query["sql"])
        plan = "\n".join(str(row[-1]) for row in cursor.fetchall())

    # The subtree range of the index, already in (path head, id) order: no sort
    # of the team, and the LIMIT stops the read after one page.
    assert re.search(r"SEARCH .*partners_partner.* USING INDEX partner_path_head", plan), plan
    assert "TEMP B-TREE" not in plan, plan
    assert page_query["sql"].rstrip().endswith("LIMIT 26"), page_query["sql"]
