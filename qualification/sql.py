"""Raw SQL of the volume engine, for PostgreSQL (production) and SQLite (embedded).

Why raw SQL: the incremental task must issue the same number of queries for a
partner at depth 10 and at depth 1,000. Django's bulk helpers split into
999-variable batches on SQLite, so id lists and row sets travel as ONE
parameter (a PostgreSQL array / JSON document, or a JSON text for SQLite's
json_each), and results are written with ONE upsert statement. Volumes are read
as integer cents (engine.py) and written as exact decimal strings.
"""

# ruff: noqa: S608 -- table and column names are constants of this module; values are parameters

import io
import json
from collections.abc import Iterable

from django.db import connection

from partners.models import Partner

from .engine import Row, cents_str
from .models import PartnerPeriodStats, PartnerTitle, PendingVolume, Period, VolumeEntry

STATS = PartnerPeriodStats._meta.db_table
LEDGER = VolumeEntry._meta.db_table
PENDING = PendingVolume._meta.db_table
PARTNER = Partner._meta.db_table
TITLE = PartnerTitle._meta.db_table
PERIOD = Period._meta.db_table
OWN = VolumeEntry.Kind.OWN.value


def _stamp(now):
    return connection.ops.adapt_datetimefield_value(now)


def is_postgres() -> bool:
    return connection.vendor == "postgresql"


def cents(expr: str) -> str:
    """SQL turning a numeric(_, 2) expression into integer cents, exactly.
    (SQLite keeps decimals as integers or doubles; ROUND() restores the cents.)"""
    if is_postgres():
        return f"(({expr}) * 100)::bigint"
    return f"CAST(ROUND(({expr}) * 100) AS INTEGER)"


def in_ids(column: str, ids: Iterable[int]) -> tuple[str, list]:
    """`column IN ids` with a single parameter, however many ids."""
    ids = list(ids)
    if is_postgres():
        return f"{column} = ANY(%s)", [ids]
    return f"{column} IN (SELECT value FROM json_each(%s))", [json.dumps(ids)]


def periods_lock_shared_all_open(cursor, period_ids: set[int]) -> bool:
    """Lock periods FOR KEY SHARE (conflicts only with a close's FOR UPDATE)
    and tell whether all are still open."""
    condition, params = in_ids("id", period_ids)
    lock = " FOR KEY SHARE" if is_postgres() else ""
    cursor.execute(f"SELECT status FROM {PERIOD} WHERE {condition}{lock}", params)
    return all(status == Period.Status.OPEN for (status,) in cursor.fetchall())


def pending_entries(cursor, period_id: int, limit: int) -> list[tuple[int, int | None, str, int]]:
    """(entry id, partner id, kind, QV cents) of up to `limit` pending entries."""
    cursor.execute(
        f"SELECT e.id, e.partner_id, e.kind, {cents('e.qv')} FROM {PENDING} p "
        f"JOIN {LEDGER} e ON e.id = p.entry_id WHERE p.period_id = %s ORDER BY p.entry_id LIMIT %s",
        [period_id, limit],
    )
    return cursor.fetchall()


def pending_delete(cursor, entry_ids: list[int]) -> None:
    condition, params = in_ids("entry_id", entry_ids)
    cursor.execute(f"DELETE FROM {PENDING} WHERE {condition}", params)


def partner_paths(cursor, partner_ids: Iterable[int]) -> list[tuple[int, str]]:
    condition, params = in_ids("id", partner_ids)
    cursor.execute(f"SELECT id, path FROM {PARTNER} WHERE {condition}", params)
    return cursor.fetchall()


def stats_volumes(cursor, period_id: int, partner_ids: Iterable[int]) -> list[tuple[int, int, int]]:
    """(partner id, customer PV, own PV) in cents of stored rows."""
    condition, params = in_ids("partner_id", partner_ids)
    cursor.execute(
        f"SELECT partner_id, {cents('customer_pv')}, {cents('own_pv')} FROM {STATS} "
        f"WHERE period_id = %s AND {condition}",
        [period_id, *params],
    )
    return cursor.fetchall()


def children_legs(cursor, period_id: int, sponsor_ids: Iterable[int]) -> list[tuple[int, int, int, int]]:
    """(child id, sponsor id, GV cents, subtree max level) of the stored rows of
    all direct children of the given partners."""
    condition, params = in_ids("c.sponsor_id", sponsor_ids)
    cursor.execute(
        f"SELECT s.partner_id, c.sponsor_id, {cents('s.gv')}, s.subtree_max_level "
        f"FROM {PARTNER} c JOIN {STATS} s ON s.partner_id = c.id AND s.period_id = %s "
        f"WHERE {condition}",
        [period_id, *params],
    )
    return cursor.fetchall()


_COLUMNS = "partner_id, period_id, pv, customer_pv, own_pv, gv, paid_as_level, paid_as_name, subtree_max_level, updated_at"
_UPDATE = ", ".join(
    f"{c} = excluded.{c}"
    for c in ("pv", "customer_pv", "own_pv", "gv", "paid_as_level", "paid_as_name", "subtree_max_level", "updated_at")
)


def stats_upsert(cursor, period_id: int, rows: list[Row], now) -> None:
    """Write rows in one statement (insert or update by (partner, period))."""
    doc = json.dumps(
        [
            [pid, cents_str(c + o), cents_str(c), cents_str(o), cents_str(gv), level, name, sml]
            for pid, c, o, gv, level, name, sml in rows
        ]
    )
    if is_postgres():
        cursor.execute(
            f"INSERT INTO {STATS} ({_COLUMNS}) "
            "SELECT (x->>0)::bigint, %s, (x->>1)::numeric, (x->>2)::numeric, (x->>3)::numeric, "
            "(x->>4)::numeric, (x->>5)::integer, x->>6, (x->>7)::integer, %s "
            "FROM jsonb_array_elements(%s::jsonb) AS x "
            f"ON CONFLICT (partner_id, period_id) DO UPDATE SET {_UPDATE}",
            [period_id, _stamp(now), doc],
        )
    else:
        cursor.execute(
            f"INSERT INTO {STATS} ({_COLUMNS}) "
            "SELECT json_extract(value, '$[0]'), %s, json_extract(value, '$[1]'), "
            "json_extract(value, '$[2]'), json_extract(value, '$[3]'), json_extract(value, '$[4]'), "
            "json_extract(value, '$[5]'), json_extract(value, '$[6]'), json_extract(value, '$[7]'), %s "
            "FROM json_each(%s) WHERE true "
            f"ON CONFLICT (partner_id, period_id) DO UPDATE SET {_UPDATE}",
            [period_id, _stamp(now), doc],
        )


def period_nodes(cursor, period_id: int) -> tuple[list[tuple[int, int | None, int | None, int | None]], list[int]]:
    """Everything a full recompute reads, in ONE statement (one snapshot):

    - every partner as (id, sponsor id, net PV cents, own PV cents) -- None for
      no ledger entries -- deepest first, children of one sponsor together;
    - the ids of the queued (pending) entries of the period: the sums include
      exactly these, so the caller consumes them and leaves later ones queued.

    The database joins the ledger sums onto the genealogy and sorts it; Python
    then walks the rows once, in order.
    """
    if is_postgres():
        # Integer cents per row: PostgreSQL sums bigints in 128-bit integers,
        # faster than numeric; the final ::bigint refuses (never wraps) an overflow.
        total_sql = "SUM((e.qv * 100)::bigint)::bigint"
        own_sql = f"COALESCE(SUM((e.qv * 100)::bigint) FILTER (WHERE e.kind = '{OWN}'), 0)::bigint"
    else:
        own = f"CASE WHEN e.kind = '{OWN}' THEN e.qv ELSE 0 END"
        total_sql, own_sql = f"SUM({cents('e.qv')})", f"SUM({cents(own)})"
    cursor.execute(
        f"SELECT 0, p.id, p.sponsor_id, v.total, v.own, p.depth FROM {PARTNER} p LEFT JOIN ("
        f"SELECT e.partner_id, {total_sql} AS total, {own_sql} AS own FROM {LEDGER} e "
        "WHERE e.period_id = %s AND e.partner_id IS NOT NULL GROUP BY e.partner_id"
        ") v ON v.partner_id = p.id "
        f"UNION ALL SELECT 1, q.entry_id, NULL, NULL, NULL, 0 FROM {PENDING} q WHERE q.period_id = %s "
        "ORDER BY 1, 6 DESC, 3",
        [period_id, period_id],
    )
    rows = cursor.fetchall()
    split = len(rows)
    while split and rows[split - 1][0] == 1:
        split -= 1
    pending = [row[1] for row in rows[split:]]
    nodes = [row[1:5] for row in rows[:split]]
    return nodes, pending


def _copy_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def _stats_insert(cursor, period_id: int, rows: list[Row], now, progress, chunk: int) -> None:
    total = len(rows)
    if is_postgres():
        stamp = now.isoformat()
        names: dict[str, str] = {}
        with cursor.connection.cursor().copy(f"COPY {STATS} ({_COLUMNS}) FROM STDIN") as copy:
            for start in range(0, total, chunk):
                buf = io.StringIO()
                write = buf.write
                for pid, c, o, gv, level, name, sml in rows[start : start + chunk]:
                    escaped = names.get(name)
                    if escaped is None:
                        escaped = names[name] = _copy_escape(name)
                    write(
                        f"{pid}\t{period_id}\t{cents_str(c + o)}\t{cents_str(c)}\t{cents_str(o)}\t"
                        f"{cents_str(gv)}\t{level}\t{escaped}\t{sml}\t{stamp}\n"
                    )
                copy.write(buf.getvalue())
                if progress:
                    progress(min(start + chunk, total), total)
    else:
        stamp = _stamp(now)
        sql = f"INSERT INTO {STATS} ({_COLUMNS}) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
        for start in range(0, total, chunk):
            cursor.executemany(
                sql,
                [
                    (pid, period_id, cents_str(c + o), cents_str(c), cents_str(o), cents_str(gv), level, name, sml, stamp)
                    for pid, c, o, gv, level, name, sml in rows[start : start + chunk]
                ],
            )
            if progress:
                progress(min(start + chunk, total), total)


def stats_replace(cursor, period_id: int, rows: list[Row], now, progress=None, chunk: int = 50_000) -> dict[str, int]:
    """Make the period's stored rows equal `rows`, writing only differences:
    rows no longer needed are deleted, changed ones updated, new ones bulk
    inserted (COPY on PostgreSQL). Rewriting unchanged rows costs more than
    computing them (delete + insert leaves dead index entries that every
    following insert must check)."""
    cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {STATS} WHERE period_id = %s)", [period_id])
    if not cursor.fetchone()[0]:
        _stats_insert(cursor, period_id, rows, now, progress, chunk)
        return {"deleted": 0, "updated": 0, "inserted": len(rows)}
    if is_postgres():
        return _stats_merge_postgres(cursor, period_id, rows, now, progress, chunk)
    cursor.execute(
        f"SELECT partner_id, {cents('customer_pv')}, {cents('own_pv')}, {cents('gv')}, paid_as_level, "
        f"paid_as_name, subtree_max_level FROM {STATS} WHERE period_id = %s",
        [period_id],
    )
    stored = {row[0]: tuple(row) for row in cursor.fetchall()}
    inserts: list[Row] = []
    updates: list[Row] = []
    for row in rows:
        old = stored.pop(row[0], None)
        if old is None:
            inserts.append(row)
        elif old != row:
            updates.append(row)
    if stored:
        condition, params = in_ids("partner_id", stored)
        cursor.execute(f"DELETE FROM {STATS} WHERE period_id = %s AND {condition}", [period_id, *params])
    for start in range(0, len(updates), chunk):
        stats_upsert(cursor, period_id, updates[start : start + chunk], now)
    if inserts:
        _stats_insert(cursor, period_id, inserts, now, progress, chunk)
    if progress:
        progress(len(rows), len(rows))
    return {"deleted": len(stored), "updated": len(updates), "inserted": len(inserts)}


_VALUES = ("customer_pv", "own_pv", "gv", "paid_as_level", "paid_as_name", "subtree_max_level")


def _stats_merge_postgres(cursor, period_id: int, rows: list[Row], now, progress, chunk: int) -> dict[str, int]:
    """The new rows go to a temporary table by COPY; three set-based statements
    then delete, update (only what differs) and insert."""
    cursor.execute(
        "CREATE TEMP TABLE qualification_new_stats (partner_id bigint, customer_pv numeric(16, 2), "
        "own_pv numeric(16, 2), gv numeric(16, 2), paid_as_level integer, paid_as_name text, "
        "subtree_max_level integer) ON COMMIT DROP"
    )
    total = len(rows)
    names: dict[str, str] = {}
    with cursor.connection.cursor().copy(f"COPY qualification_new_stats ({', '.join(('partner_id', *_VALUES))}) FROM STDIN") as copy:
        for start in range(0, total, chunk):
            buf = io.StringIO()
            write = buf.write
            for pid, c, o, gv, level, name, sml in rows[start : start + chunk]:
                escaped = names.get(name)
                if escaped is None:
                    escaped = names[name] = _copy_escape(name)
                write(f"{pid}\t{cents_str(c)}\t{cents_str(o)}\t{cents_str(gv)}\t{level}\t{escaped}\t{sml}\n")
            copy.write(buf.getvalue())
            if progress:
                progress(min(start + chunk, total) // 2, total)
    cursor.execute(
        f"DELETE FROM {STATS} s WHERE s.period_id = %s AND NOT EXISTS "
        "(SELECT 1 FROM qualification_new_stats t WHERE t.partner_id = s.partner_id)",
        [period_id],
    )
    deleted = cursor.rowcount
    stamp = _stamp(now)
    cursor.execute(
        f"UPDATE {STATS} s SET pv = t.customer_pv + t.own_pv, "
        + ", ".join(f"{c} = t.{c}" for c in _VALUES)
        + ", updated_at = %s FROM qualification_new_stats t "
        "WHERE s.period_id = %s AND s.partner_id = t.partner_id AND "
        f"({', '.join('s.' + c for c in _VALUES)}) IS DISTINCT FROM ({', '.join('t.' + c for c in _VALUES)})",
        [stamp, period_id],
    )
    updated = cursor.rowcount
    cursor.execute(
        f"INSERT INTO {STATS} ({_COLUMNS}) SELECT t.partner_id, %s, t.customer_pv + t.own_pv, "
        + ", ".join(f"t.{c}" for c in _VALUES)
        + ", %s FROM qualification_new_stats t WHERE NOT EXISTS "
        f"(SELECT 1 FROM {STATS} s WHERE s.period_id = %s AND s.partner_id = t.partner_id)",
        [period_id, stamp, period_id],
    )
    inserted = cursor.rowcount
    cursor.execute("DROP TABLE qualification_new_stats")
    if progress:
        progress(total, total)
    return {"deleted": deleted, "updated": updated, "inserted": inserted}


def titles_raise(cursor, period_id: int, now) -> int:
    """Raise each partner's title to the period's paid-as rank where higher."""
    cursor.execute(
        f"INSERT INTO {TITLE} (partner_id, level, name, achieved_in_id, updated_at) "
        f"SELECT partner_id, paid_as_level, paid_as_name, period_id, %s FROM {STATS} "
        "WHERE period_id = %s AND paid_as_level > 0 ORDER BY partner_id "
        "ON CONFLICT (partner_id) DO UPDATE SET level = excluded.level, name = excluded.name, "
        "achieved_in_id = excluded.achieved_in_id, updated_at = excluded.updated_at "
        f"WHERE {TITLE}.level < excluded.level",
        [_stamp(now), period_id],
    )
    return cursor.rowcount


def tune_for_bulk(cursor) -> None:
    """For this transaction only: memory for hashing a whole period's ledger
    (a million partners' sums) instead of sorting it on disk."""
    if is_postgres():
        cursor.execute("SET LOCAL work_mem = '256MB'")
