"""Raw SQL of the volume engine, for PostgreSQL (production) and SQLite (embedded).

Why raw SQL: the incremental task must issue the same number of queries for a
partner at depth 10 and at depth 1,000. Django's bulk helpers split into
999-variable batches on SQLite, so id lists and row sets travel as ONE
parameter (a PostgreSQL array / JSON document, or a JSON text for SQLite's
json_each), and results are written with ONE upsert statement. Volumes are read
as integer cents (engine.py) and written as exact decimal strings.
"""

# ruff: noqa: S608 -- table and column names are constants of this module; values are parameters

import json
from collections.abc import Iterable

from django.db import connection

from partners.models import Partner

from .engine import Plan, Row, cents_str
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


def children_legs(
    cursor, period_id: int, sponsor_ids: Iterable[int]
) -> list[tuple[int, int, int, int]]:
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


_COLUMNS = "partner_id, period_id, pv, customer_pv, own_pv, gv, paid_as_level, paid_as_name, subtree_max_level, next_gap, updated_at"
_UPDATE = ", ".join(
    f"{c} = excluded.{c}"
    for c in (
        "pv",
        "customer_pv",
        "own_pv",
        "gv",
        "paid_as_level",
        "paid_as_name",
        "subtree_max_level",
        "next_gap",
        "updated_at",
    )
)


def _gap_str(gap: int | None) -> str | None:
    return None if gap is None else cents_str(gap)


def stats_upsert(cursor, period_id: int, rows: list[Row], now, plan: Plan) -> None:
    """Write rows in one statement (insert or update by (partner, period)),
    each with its gap to the next rank under `plan`."""
    gap = plan.next_gap
    doc = json.dumps(
        [
            [
                pid,
                cents_str(c + o),
                cents_str(c),
                cents_str(o),
                cents_str(gv),
                level,
                name,
                sml,
                _gap_str(gap(c + o, gv, level)),
            ]
            for pid, c, o, gv, level, name, sml in rows
        ]
    )
    if is_postgres():
        cursor.execute(
            f"INSERT INTO {STATS} ({_COLUMNS}) "
            "SELECT (x->>0)::bigint, %s, (x->>1)::numeric, (x->>2)::numeric, (x->>3)::numeric, "
            "(x->>4)::numeric, (x->>5)::integer, x->>6, (x->>7)::integer, (x->>8)::numeric, %s "
            "FROM jsonb_array_elements(%s::jsonb) AS x "
            f"ON CONFLICT (partner_id, period_id) DO UPDATE SET {_UPDATE}",
            [period_id, _stamp(now), doc],
        )
    else:
        cursor.execute(
            f"INSERT INTO {STATS} ({_COLUMNS}) "
            "SELECT json_extract(value, '$[0]'), %s, json_extract(value, '$[1]'), "
            "json_extract(value, '$[2]'), json_extract(value, '$[3]'), json_extract(value, '$[4]'), "
            "json_extract(value, '$[5]'), json_extract(value, '$[6]'), json_extract(value, '$[7]'), "
            "json_extract(value, '$[8]'), %s "
            "FROM json_each(%s) WHERE true "
            f"ON CONFLICT (partner_id, period_id) DO UPDATE SET {_UPDATE}",
            [period_id, _stamp(now), doc],
        )


def period_volumes(cursor, period_id: int) -> tuple[dict[int, tuple[int, int]], list[int]]:
    """({partner id: (net PV cents, own PV cents)}, [queued entry ids]) of a
    period, read by ONE statement, i.e. from one snapshot: the sums include
    exactly the queued entries listed, so the caller consumes those and leaves
    later ones to the task."""
    if is_postgres():
        # Integer cents per row: PostgreSQL sums bigints in 128-bit integers,
        # faster than numeric; the final ::bigint refuses (never wraps) an overflow.
        total_sql = "SUM((e.qv * 100)::bigint)::bigint"
        own_sql = f"COALESCE(SUM((e.qv * 100)::bigint) FILTER (WHERE e.kind = '{OWN}'), 0)::bigint"
    else:
        own = f"CASE WHEN e.kind = '{OWN}' THEN e.qv ELSE 0 END"
        total_sql, own_sql = f"SUM({cents('e.qv')})", f"SUM({cents(own)})"
    cursor.execute(
        f"SELECT e.partner_id, {total_sql}, {own_sql} FROM {LEDGER} e "
        "WHERE e.period_id = %s AND e.partner_id IS NOT NULL GROUP BY e.partner_id "
        f"UNION ALL SELECT q.entry_id, NULL, NULL FROM {PENDING} q WHERE q.period_id = %s",
        [period_id, period_id],
    )
    volumes: dict[int, tuple[int, int]] = {}
    pending: list[int] = []
    for key, total, own_total in cursor.fetchall():
        if total is None:
            pending.append(key)
        else:
            volumes[key] = (total, own_total)
    return volumes, pending


_ONE_KEY_IDS = 1 << 40


def partners_bottom_up(cursor) -> list[tuple[int, int | None]]:
    """(id, sponsor id) of every partner, deepest first, siblings together.

    Sorted on one bigint key, depth * 2^40 + sponsor id: twice as fast as two
    keys at a million partners. Valid while ids stay below 2^40 (checked)."""
    cursor.execute(f"SELECT MAX(id) FROM {PARTNER}")
    top = cursor.fetchone()[0] or 0
    if top < _ONE_KEY_IDS:
        order = f"(CAST(depth AS BIGINT) * {_ONE_KEY_IDS} + COALESCE(sponsor_id, 0)) DESC"
    else:
        order = "depth DESC, sponsor_id"
    cursor.execute(f"SELECT id, sponsor_id FROM {PARTNER} ORDER BY {order}")
    return cursor.fetchall()


def _copy_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


_VALUES = (
    "customer_pv",
    "own_pv",
    "gv",
    "paid_as_level",
    "paid_as_name",
    "subtree_max_level",
    "next_gap",
)
_NEW = "qualification_new_stats"


class StatsWriter:
    """Replaces all results rows of a period with rows fed in chunks while the
    full pass runs, writing only what differs.

    PostgreSQL: the rows stream by COPY as they are computed, so the server
    stores one chunk while Python computes the next -- straight into the
    results table when the period has no rows yet, else into a temporary table
    that three set-based statements merge at the end (delete what is gone,
    update only what changed, insert what is new). Rewriting unchanged rows
    would cost more than computing them. SQLite: a diff in Python.

        with StatsWriter(cursor, period_id, now, plan) as writer:
            writer.write(rows)  # any number of times

    Each row is written with its gap to the next rank under `plan`.
    """

    def __init__(self, cursor, period_id: int, now, plan: Plan):
        self.cursor = cursor
        self.period_id = period_id
        self.now = now
        self.plan = plan
        self.count = 0
        self.changes = {"deleted": 0, "updated": 0, "inserted": 0}
        self._names: dict[str, str] = {}
        self._copy_cm = None
        self._copy = None
        self._rows: list[Row] = []

    def __enter__(self) -> "StatsWriter":
        cursor = self.cursor
        cursor.execute(
            f"SELECT EXISTS (SELECT 1 FROM {STATS} WHERE period_id = %s)", [self.period_id]
        )
        self.fresh = not cursor.fetchone()[0]
        if is_postgres():
            if self.fresh:
                statement = f"COPY {STATS} ({_COLUMNS}) FROM STDIN"
            else:
                cursor.execute(
                    f"CREATE TEMP TABLE {_NEW} (partner_id bigint, customer_pv numeric(16, 2), "
                    "own_pv numeric(16, 2), gv numeric(16, 2), paid_as_level integer, paid_as_name text, "
                    "subtree_max_level integer, next_gap numeric(16, 2)) ON COMMIT DROP"
                )
                statement = f"COPY {_NEW} ({', '.join(('partner_id', *_VALUES))}) FROM STDIN"
            self._copy_cm = cursor.connection.cursor().copy(statement)
            self._copy = self._copy_cm.__enter__()
        return self

    def write(self, rows: list[Row]) -> None:
        self.count += len(rows)
        if self._copy is None:
            self._rows.extend(rows)
            return
        names = self._names
        gap_of = self.plan.next_gap
        lines = []
        put = lines.append
        if self.fresh:
            # partner, period, pv, customer pv, own pv, gv, level, name, subtree max, gap, updated
            line = f"%d\t{self.period_id}\t%d.%02d\t%d.%02d\t%d.%02d\t%d.%02d\t%d\t%s\t%d\t%s\t{self.now.isoformat()}\n"
            slow = f"%d\t{self.period_id}\t%s\t%s\t%s\t%s\t%d\t%s\t%d\t%s\t{self.now.isoformat()}\n"
            for pid, c, o, gv, level, name, sml in rows:
                escaped = names.get(name)
                if escaped is None:
                    escaped = names[name] = _copy_escape(name)
                gap = gap_of(c + o, gv, level)
                gap = "\\N" if gap is None else cents_str(gap)
                if c >= 0 and o >= 0 and gv >= 0:
                    pv = c + o
                    put(
                        line
                        % (
                            pid,
                            pv // 100,
                            pv % 100,
                            c // 100,
                            c % 100,
                            o // 100,
                            o % 100,
                            gv // 100,
                            gv % 100,
                            level,
                            escaped,
                            sml,
                            gap,
                        )
                    )
                else:  # negative volume after late refunds: exact formatting
                    put(
                        slow
                        % (
                            pid,
                            cents_str(c + o),
                            cents_str(c),
                            cents_str(o),
                            cents_str(gv),
                            level,
                            escaped,
                            sml,
                            gap,
                        )
                    )
        else:
            line = "%d\t%d.%02d\t%d.%02d\t%d.%02d\t%d\t%s\t%d\t%s\n"
            slow = "%d\t%s\t%s\t%s\t%d\t%s\t%d\t%s\n"
            for pid, c, o, gv, level, name, sml in rows:
                escaped = names.get(name)
                if escaped is None:
                    escaped = names[name] = _copy_escape(name)
                gap = gap_of(c + o, gv, level)
                gap = "\\N" if gap is None else cents_str(gap)
                if c >= 0 and o >= 0 and gv >= 0:
                    put(
                        line
                        % (
                            pid,
                            c // 100,
                            c % 100,
                            o // 100,
                            o % 100,
                            gv // 100,
                            gv % 100,
                            level,
                            escaped,
                            sml,
                            gap,
                        )
                    )
                else:
                    put(
                        slow
                        % (pid, cents_str(c), cents_str(o), cents_str(gv), level, escaped, sml, gap)
                    )
        self._copy.write("".join(lines))

    def __exit__(self, exc_type, exc, tb):
        if self._copy_cm is not None:
            self._copy_cm.__exit__(exc_type, exc, tb)
        if exc_type is not None:
            return False
        if not is_postgres():
            self.changes = _stats_merge_python(
                self.cursor, self.period_id, self._rows, self.now, self.plan
            )
        elif self.fresh:
            self.changes["inserted"] = self.count
        else:
            self.changes = _stats_merge_postgres(self.cursor, self.period_id, self.now)
        return False


def _stats_merge_python(cursor, period_id: int, rows: list[Row], now, plan: Plan) -> dict[str, int]:
    cursor.execute(
        f"SELECT partner_id, {cents('customer_pv')}, {cents('own_pv')}, {cents('gv')}, paid_as_level, "
        f"paid_as_name, subtree_max_level, {cents('next_gap')} FROM {STATS} WHERE period_id = %s",
        [period_id],
    )
    stored = {row[0]: tuple(row) for row in cursor.fetchall()}
    gap_of = plan.next_gap
    inserts: list[Row] = []
    updates: list[Row] = []
    for row in rows:
        old = stored.pop(row[0], None)
        if old is None:
            inserts.append(row)
        elif old != (*row, gap_of(row[1] + row[2], row[3], row[4])):
            updates.append(row)
    if stored:
        condition, params = in_ids("partner_id", stored)
        cursor.execute(
            f"DELETE FROM {STATS} WHERE period_id = %s AND {condition}", [period_id, *params]
        )
    chunk = 20_000
    for start in range(0, len(updates), chunk):
        stats_upsert(cursor, period_id, updates[start : start + chunk], now, plan)
    stamp = _stamp(now)
    insert = f"INSERT INTO {STATS} ({_COLUMNS}) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
    for start in range(0, len(inserts), chunk):
        cursor.executemany(
            insert,
            [
                (
                    pid,
                    period_id,
                    cents_str(c + o),
                    cents_str(c),
                    cents_str(o),
                    cents_str(gv),
                    level,
                    name,
                    sml,
                    _gap_str(gap_of(c + o, gv, level)),
                    stamp,
                )
                for pid, c, o, gv, level, name, sml in inserts[start : start + chunk]
            ],
        )
    return {"deleted": len(stored), "updated": len(updates), "inserted": len(inserts)}


def _stats_merge_postgres(cursor, period_id: int, now) -> dict[str, int]:
    """Merge the temporary table of new rows into the period's results.

    Each statement joins all rows of the period, so hash joins are right; the
    planner may think otherwise when the period is new to its statistics (it
    then expects one row and picks a nested loop over a million: hours).
    Nested loops are therefore off for these statements only."""
    cursor.execute("SELECT current_setting('enable_nestloop')")
    nestloop = cursor.fetchone()[0]
    cursor.execute("SET LOCAL enable_nestloop = off")
    try:
        return _stats_merge_statements(cursor, period_id, now)
    finally:
        cursor.execute("SELECT set_config('enable_nestloop', %s, true)", [nestloop])


def _stats_merge_statements(cursor, period_id: int, now) -> dict[str, int]:
    cursor.execute(
        f"DELETE FROM {STATS} s WHERE s.period_id = %s AND NOT EXISTS "
        f"(SELECT 1 FROM {_NEW} t WHERE t.partner_id = s.partner_id)",
        [period_id],
    )
    deleted = cursor.rowcount
    stamp = _stamp(now)
    cursor.execute(
        f"UPDATE {STATS} s SET pv = t.customer_pv + t.own_pv, "
        + ", ".join(f"{c} = t.{c}" for c in _VALUES)
        + f", updated_at = %s FROM {_NEW} t "
        "WHERE s.period_id = %s AND s.partner_id = t.partner_id AND "
        f"({', '.join('s.' + c for c in _VALUES)}) IS DISTINCT FROM ({', '.join('t.' + c for c in _VALUES)})",
        [stamp, period_id],
    )
    updated = cursor.rowcount
    cursor.execute(
        f"INSERT INTO {STATS} ({_COLUMNS}) SELECT t.partner_id, %s, t.customer_pv + t.own_pv, "
        + ", ".join(f"t.{c}" for c in _VALUES)
        + f", %s FROM {_NEW} t WHERE NOT EXISTS "
        f"(SELECT 1 FROM {STATS} s WHERE s.period_id = %s AND s.partner_id = t.partner_id)",
        [period_id, stamp, period_id],
    )
    inserted = cursor.rowcount
    cursor.execute(f"DROP TABLE {_NEW}")
    return {"deleted": deleted, "updated": updated, "inserted": inserted}


def titles_raising(cursor, period_id: int) -> list[tuple[int, str, int, str, int, str]]:
    """What titles_raise will change, read before it runs: (partner_id, slug,
    old_level, old_name, new_level, new_name); old_level 0 / "" when none."""
    cursor.execute(
        f"SELECT s.partner_id, p.slug, COALESCE(t.level, 0), COALESCE(t.name, ''), "
        f"s.paid_as_level, s.paid_as_name FROM {STATS} s "
        f"JOIN {PARTNER} p ON p.id = s.partner_id "
        f"LEFT JOIN {TITLE} t ON t.partner_id = s.partner_id "
        "WHERE s.period_id = %s AND s.paid_as_level > 0 AND s.paid_as_level > COALESCE(t.level, 0) "
        "ORDER BY s.partner_id",
        [period_id],
    )
    return cursor.fetchall()


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
