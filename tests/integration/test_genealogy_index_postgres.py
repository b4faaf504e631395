"""On PostgreSQL the subtree read can use the path index at all (its expression
must equal the index's, function name and constants included)."""

import pytest
from django.db import connection

from partners.selectors import partner_descendants

pytestmark = [pytest.mark.integration, pytest.mark.django_db]


@pytest.mark.parametrize("depth", [1, 650])  # short prefix: range; prefix > 2,000 chars: equality
def test_subtree_read_can_use_the_path_index_on_postgresql(chain, depth):
    assert connection.vendor == "postgresql", "run with DATABASE_URL pointing at PostgreSQL"
    line = chain(depth + 1)
    with connection.cursor() as cursor:
        # A small table is cheaper to scan; forbid that to see whether the index matches.
        cursor.execute("SET LOCAL enable_seqscan = off")
        plan = partner_descendants(partner=line[depth]).explain()

    assert "partner_path_head" in plan, plan
