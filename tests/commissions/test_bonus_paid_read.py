"""The close asks which advancement bonuses each partner was ever paid. That
question must cost the bonus lines only, not every line of every closed period
(which grow by hundreds of thousands a month)."""

import re

import pytest
from django.db import connection

from commissions.models import StatementLine
from commissions.services import bonus_paid_sql

pytestmark = pytest.mark.django_db


def plan_of(sql: str, params: list) -> str:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
            return "\n".join(str(row[-1]) for row in cursor.fetchall())
        cursor.execute("EXPLAIN " + sql, params)
        return "\n".join(row[0] for row in cursor.fetchall())


def test_bonuses_ever_paid_are_read_from_the_bonus_lines_index():
    plan = plan_of(bonus_paid_sql(), [StatementLine.Kind.BONUS])

    if connection.vendor == "sqlite":
        # A scan of the partial index is a scan of the bonus lines only.
        assert re.search(r"SCAN l USING (COVERING )?INDEX line_bonus_paid", plan), plan
    else:
        # An empty table may be read whole by PostgreSQL's planner; the index must exist and fit.
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_seqscan = off")
        assert "line_bonus_paid" in plan_of(bonus_paid_sql(), [StatementLine.Kind.BONUS])
