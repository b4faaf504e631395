"""The subtree read really uses the path index (not a scan of all partners)."""

import pytest
from django.db import connection

from partners.genealogy import PATH_HEAD
from partners.selectors import partner_descendants

pytestmark = pytest.mark.django_db


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's plan is stable at any size")
@pytest.mark.parametrize("depth", [0, 650])  # short prefix: range; prefix > 2,000 chars: equality
def test_subtree_read_searches_the_path_index(chain, depth):
    line = chain(depth + 2)
    assert (len(line[depth].descendants_prefix) > PATH_HEAD) == (depth > 0)

    plan = partner_descendants(partner=line[depth]).explain()
    update_plan = partner_descendants(partner=line[depth]).order_by().explain()

    assert "USING INDEX partner_path_head" in plan, plan
    assert "USING INDEX partner_path_head" in update_plan, update_plan
