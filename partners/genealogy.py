"""The genealogy's derived fields: an upline path of partner ids, and depth.

`path` holds the ids of all ancestors, root first, each followed by a dot:
a partner under 1 > 5 > 17 has path "1.5.17.". The sponsor link stays the truth.

- upline: the ids are in the row, one primary-key query reads them all;
- subtree of p: every path that starts with p.path + "p." -- a contiguous range
  in byte order, read through an index.

PostgreSQL's b-tree cannot index values over ~2.7 kB (a path at depth ~300), so
the index covers the first PATH_HEAD characters (an expression index that SQLite
has too). A prefix shorter than that is an exact index range; a longer one
narrows to the head and checks the full path beside it.
"""

from django.db.models import Func, Q, TextField
from django.db.models.functions import Substr

PATH_HEAD = 2000
SEPARATOR = "."
# The byte after the digits: [prefix, prefix + ":") holds exactly the paths that
# start with prefix, since a path continues after a separator with a digit.
_RANGE_END = ":"


def path_head_expression():
    """The indexed expression (the model's Meta.indexes)."""
    return Substr("path", 1, PATH_HEAD)


class PathHead(Func):
    """path_head_expression() for queries, with its numbers written into the SQL.

    A database uses an expression index only when the query contains the very
    expression of the index. Substr() sends 1 and PATH_HEAD as bound parameters,
    and SQLite then cannot match SUBSTR(path, ?, ?) to the index on
    SUBSTR(path, 1, 2000): every subtree read became a full table scan.
    (tests/partners/test_genealogy_index.py and bench/genealogy.py show the plans.)
    """

    # The function names Substr uses, so the expression equals the index's:
    # PostgreSQL's substr() and substring() are different functions to its planner.
    function = "SUBSTRING"
    template = f"%(function)s(%(expressions)s, 1, {PATH_HEAD})"
    arity = 1
    output_field = TextField()

    def as_sqlite(self, compiler, connection, **extra_context):
        return super().as_sql(compiler, connection, function="SUBSTR", **extra_context)

    def as_postgresql(self, compiler, connection, **extra_context):
        # The index holds Substr() as PostgreSQL spells it: substring(), which is
        # another function than substr() to the planner.
        return self.as_sql(compiler, connection, function="SUBSTRING", **extra_context)


def child_path(parent_path: str, parent_id: int) -> str:
    return f"{parent_path}{parent_id}{SEPARATOR}"


def upline_ids(path: str) -> list[int]:
    """Ancestor ids, root first."""
    return [int(part) for part in path.split(SEPARATOR) if part]


def descendants_q(prefix: str) -> Q:
    """Rows whose path starts with `prefix` (a partner's child_path)."""
    exact = Q(path__gte=prefix, path__lt=prefix + _RANGE_END)
    head = prefix[:PATH_HEAD]
    if len(prefix) < PATH_HEAD:
        return Q(path_head__gte=head, path_head__lt=head + _RANGE_END) & exact
    return Q(path_head=head) & exact
