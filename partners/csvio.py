"""Streaming CSV imports: the machinery every importer shares (and `CsvWriter`,
which every CSV the product writes goes through).

The formats (docs/file-formats.md): UTF-8 (a byte order mark is
accepted), comma-separated, a header row, columns in any order, unknown columns
refused. Imports are all or nothing, so an importer reads the file twice:

1. validate: `CsvSource.rows()` streams the rows; the importer checks each one
   and records every problem in `source.errors` (line, column, reason), keeping
   only compact maps it needs later (ids, e-mails), never the parsed rows.
   `source.errors.raise_if_any()` then refuses the file with the full list.
2. write: `rows()` again, inside one transaction, in chunks (`chunked`).

Nothing here knows about partners or orders; both apps' importers use it.

Why one module of about 600 lines: reading, checking, error collection and
writing share the row and error types, and each importer needs all of them.

Why one module of about 600 lines: it is the one CSV machinery, and its
parts (the source with its error list, the parsers, the id reserver, the
writers, the command base) are used together by every importer; split, each
importer would import from five places for one job.
"""

from __future__ import annotations

import csv
import json
import os
import re
import sys
import time as time_module
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from itertools import islice

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.db.models import BooleanField
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.translation import gettext as _
from tqdm import tqdm

# A refused file stops listing at this many problems (the count stays exact):
# a file with a wrong column in every one of a million rows needs no million lines.
MAX_LISTED_ERRORS = 10_000
_PROGRESS_EVERY = 5_000  # rows between progress-bar updates


@dataclass(frozen=True)
class Column:
    name: str
    required: bool = False  # the header must have it and every row a value


@dataclass(frozen=True)
class CsvProblem:
    line: int
    column: str  # "" for a problem of the whole row or file
    message: str

    def __str__(self) -> str:
        if self.line and self.column:
            return _("line %(line)d, column %(column)s: %(message)s") % {
                "line": self.line,
                "column": self.column,
                "message": self.message,
            }
        if self.line:
            return _("line %(line)d: %(message)s") % {"line": self.line, "message": self.message}
        return str(self.message)


class CsvImportError(ValidationError):
    """A refused file. `problems` lists (line, column, reason); str() lists them."""

    def __init__(self, problems: list[CsvProblem], total: int | None = None):
        self.problems = problems
        self.total = total if total is not None else len(problems)
        messages = [str(p) for p in problems]
        if self.total > len(problems):
            messages.append(_("... and %(n)d more problems.") % {"n": self.total - len(problems)})
        super().__init__(messages)

    def __str__(self) -> str:
        return "\n".join(self.messages)


class ErrorList:
    """Collects every problem of a file; the file is refused if there is any."""

    def __init__(self, limit: int = MAX_LISTED_ERRORS):
        self.problems: list[CsvProblem] = []
        self.total = 0
        self.limit = limit

    def add(self, line: int, column: str, message: str) -> None:
        self.total += 1
        if len(self.problems) < self.limit:
            self.problems.append(CsvProblem(line, column, str(message)))

    def __bool__(self) -> bool:
        return self.total > 0

    def __len__(self) -> int:
        return self.total

    def raise_if_any(self) -> None:
        if self.total:
            problems = sorted(self.problems, key=lambda p: (p.line, p.column))
            raise CsvImportError(problems, self.total)


class CsvSource:
    """One CSV file, read as a stream as often as needed.

    `rows()` yields (line_number, {column: stripped value}) for each record; the
    header is line 1. Header problems (unknown, missing or doubled columns) are
    fatal: they raise CsvImportError at once, since no row can be read then.
    """

    def __init__(
        self, path: str | os.PathLike, columns: Iterable[Column], *, progress: bool = True
    ):
        self.path = os.fspath(path)
        self.columns = {c.name: c for c in columns}
        self.progress = progress
        self.errors = ErrorList()
        if not os.path.isfile(self.path):
            raise CsvImportError(
                [CsvProblem(0, "", _("File not found: %(path)s") % {"path": self.path})]
            )
        self.size = os.path.getsize(self.path)
        self._stamp = self._file_stamp()

    def _file_stamp(self) -> tuple[int, int]:
        stat = os.stat(self.path)
        return stat.st_size, stat.st_mtime_ns

    def check_unchanged(self) -> None:
        """Between validating and writing the file must stay the same."""
        if self._file_stamp() != self._stamp:
            raise CsvImportError(
                [
                    CsvProblem(
                        0,
                        "",
                        _("The file changed while it was being imported; nothing was imported."),
                    )
                ]
            )

    def _lines(self, raw, bar) -> Iterator[str]:
        """Decoded physical lines; a line that is not UTF-8 is reported and
        replaced by an empty line so line numbers stay right."""
        done = 0
        for number, raw_line in enumerate(raw, start=1):
            if number == 1 and raw_line.startswith(b"\xef\xbb\xbf"):
                raw_line = raw_line[3:]
                done += 3
            done += len(raw_line)
            if bar is not None and number % _PROGRESS_EVERY == 0:
                bar.update(done - bar.n)
            try:
                yield raw_line.decode("utf-8")
            except UnicodeDecodeError:
                self.errors.add(number, "", _("this line is not valid UTF-8."))
                yield "\n" if raw_line.endswith(b"\n") else ""
        if bar is not None:
            bar.update(done - bar.n)

    def rows(
        self, *, desc: str = "", progress: bool = True
    ) -> Iterator[tuple[int, dict[str, str]]]:
        bar = (
            tqdm(
                total=self.size,
                unit="B",
                unit_scale=True,
                desc=desc or os.path.basename(self.path),
                file=sys.stderr,
                mininterval=0.5,
                leave=True,
            )
            if self.progress and progress
            else None
        )
        try:
            with open(self.path, "rb") as raw:
                reader = csv.reader(self._lines(raw, bar), strict=False)
                header = self._read_header(reader)
                width = len(header)
                line_end = reader.line_num
                while True:
                    start = line_end + 1
                    try:
                        record = next(reader)
                    except StopIteration:
                        break
                    except csv.Error as exc:
                        self.errors.add(
                            reader.line_num,
                            "",
                            _("the CSV cannot be read here (%(error)s).") % {"error": exc},
                        )
                        self.errors.raise_if_any()
                    line_end = reader.line_num
                    if not record or (len(record) == 1 and not record[0].strip()):
                        continue  # blank line
                    if len(record) != width:
                        self.errors.add(
                            start,
                            "",
                            _("expected %(expected)d values like the header, found %(found)d.")
                            % {"expected": width, "found": len(record)},
                        )
                        continue
                    values = {
                        name: value.strip() for name, value in zip(header, record, strict=True)
                    }
                    for name in self._absent:
                        values[name] = ""
                    missing = [
                        name
                        for name, col in self.columns.items()
                        if col.required and not values[name]
                    ]
                    for name in missing:
                        self.errors.add(start, name, _("a value is required."))
                    if missing:
                        continue
                    yield start, values
        finally:
            if bar is not None:
                bar.close()

    def _read_header(self, reader) -> list[str]:
        try:
            header = next(reader)
        except StopIteration:
            raise CsvImportError(
                [CsvProblem(1, "", _("the file is empty; a header row is required."))]
            ) from None
        except csv.Error as exc:
            raise CsvImportError(
                [CsvProblem(1, "", _("the header cannot be read (%(error)s).") % {"error": exc})]
            ) from None
        header = [name.strip() for name in header]
        problems = []
        unknown = [name for name in header if name not in self.columns]
        if unknown:
            problems.append(
                CsvProblem(
                    1,
                    "",
                    _("unknown column(s) %(unknown)s; this file may have: %(known)s.")
                    % {
                        "unknown": ", ".join(f"“{name}”" for name in unknown),
                        "known": ", ".join(self.columns),
                    },
                )
            )
        doubled = sorted({name for name in header if header.count(name) > 1})
        if doubled:
            problems.append(
                CsvProblem(
                    1,
                    "",
                    _("column(s) %(names)s appear more than once.")
                    % {
                        "names": ", ".join(f"“{name}”" for name in doubled),
                    },
                )
            )
        missing = [
            name for name, col in self.columns.items() if col.required and name not in header
        ]
        if missing:
            problems.append(
                CsvProblem(
                    1,
                    "",
                    _("required column(s) missing: %(names)s.")
                    % {
                        "names": ", ".join(f"“{name}”" for name in missing),
                    },
                )
            )
        if problems:
            raise CsvImportError(problems)
        # Optional columns the file leaves out read as empty values.
        self._absent = [name for name in self.columns if name not in header]
        return header


def chunked(iterable: Iterable, size: int) -> Iterator[list]:
    it = iter(iterable)
    while chunk := list(islice(it, size)):
        yield chunk


def progress_bar(*, total: int | None, desc: str, enabled: bool, unit: str = "rows"):
    return tqdm(
        total=total, desc=desc, unit=unit, file=sys.stderr, mininterval=0.5, disable=not enabled
    )


class _ProgressCallback:
    """A `progress(done, total)` callable (as services take it) drawing a bar."""

    def __init__(self, desc: str):
        self.desc = desc
        self.bar = None

    def __call__(self, done: int, total: int) -> None:
        if self.bar is None:
            self.bar = tqdm(
                total=total, desc=self.desc, unit="rows", file=sys.stderr, mininterval=0.5
            )
        self.bar.total = total
        self.bar.update(done - self.bar.n)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def progress_callback(*, desc: str, enabled: bool) -> _ProgressCallback | None:
    return _ProgressCallback(desc) if enabled else None


# -- value parsers: return the value or raise ValueError with the reason ------

_CURRENCY_RE = re.compile(r"^[A-Z]{3}$")


def parse_decimal(
    value: str, *, places: int = 2, max_digits: int = 12, minimum: Decimal | None = None
) -> Decimal:
    try:
        number = Decimal(value)
    except InvalidOperation:
        raise ValueError(
            _("“%(value)s” is not a decimal number (use a dot: 12.50).") % {"value": value}
        ) from None
    if not number.is_finite():
        raise ValueError(
            _("“%(value)s” is not a decimal number (use a dot: 12.50).") % {"value": value}
        )
    if number.as_tuple().exponent < -places:
        raise ValueError(
            _("“%(value)s” has more than %(places)d decimal places.")
            % {"value": value, "places": places}
        )
    if abs(number) >= Decimal(10) ** (max_digits - places):
        raise ValueError(_("“%(value)s” is too large.") % {"value": value})
    if minimum is not None and number < minimum:
        raise ValueError(
            _("“%(value)s” is below %(minimum)s.") % {"value": value, "minimum": minimum}
        )
    return number


def parse_datetime_with_offset(value: str) -> datetime:
    """ISO 8601 date-time with a UTC offset (or Z); a naive value is refused,
    since it is ambiguous across time zones and daylight saving."""
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(
            _("“%(value)s” is not an ISO 8601 date-time (like 2026-10-10T10:00:00+02:00).")
            % {"value": value}
        ) from None
    if "T" not in value.upper() and " " not in value:
        raise ValueError(
            _(
                "“%(value)s” is a date; a date-time with offset is needed (like 2026-10-10T10:00:00+02:00)."
            )
            % {"value": value}
        )
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        raise ValueError(
            _("“%(value)s” has no UTC offset; write it like 2026-10-10T10:00:00+02:00.")
            % {"value": value}
        )
    return parsed


def parse_date_or_datetime(value: str) -> datetime:
    """ISO 8601 date or date-time; without an offset it is company time."""
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(
            _("“%(value)s” is not an ISO 8601 date or date-time (like 2026-10-10).")
            % {"value": value}
        ) from None
    if isinstance(parsed, date) and not isinstance(parsed, datetime):
        parsed = datetime.combine(parsed, time.min)
    if parsed.tzinfo is None:
        parsed = timezone.make_aware(parsed)
    return parsed


def parse_currency(value: str) -> str:
    code = value.upper()
    if not _CURRENCY_RE.match(code):
        raise ValueError(
            _("“%(value)s” is not an ISO 4217 currency code (three letters, like EUR).")
            % {"value": value}
        )
    return code


# -- ids before insert ---------------------------------------------------------


class IdReserver:
    """Primary keys handed out before the rows are written, so a child row can
    name its parent (and a path can be computed) before the parent is inserted.
    PostgreSQL takes them from the table's sequence (safe beside live writes);
    SQLite, which serialises writers, counts on from the current maximum.
    Use inside the writing transaction."""

    def __init__(self, model, *, batch: int = 10_000):
        self.model = model
        self.batch = batch
        self._size = 16  # grows to `batch`: a small import leaves no big gap in the sequence
        self._pool: Iterator[int] = iter(())
        self._next_sqlite: int | None = None

    def take(self) -> int:
        for pk in self._pool:
            return pk
        self._pool = iter(self._reserve(self._size))
        self._size = min(self._size * 4, self.batch)
        return next(self._pool)

    def _reserve(self, n: int) -> list[int]:
        table = self.model._meta.db_table
        pk_column = self.model._meta.pk.column
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute(
                    "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                    [table, pk_column, n],
                )
                return [row[0] for row in cursor.fetchall()]
            if self._next_sqlite is None:
                cursor.execute(f'SELECT COALESCE(MAX("{pk_column}"), 0) FROM "{table}"')  # noqa: S608
                self._next_sqlite = cursor.fetchone()[0] + 1
        start = self._next_sqlite
        self._next_sqlite += n
        return list(range(start, start + n))


# -- fast lookups and inserts ----------------------------------------------------


def keys_in(model, field_name: str, keys) -> RawSQL:
    """A filter `field IN keys` with all keys in ONE parameter (a PostgreSQL
    array, a JSON text on SQLite): a chunk of thousands of keys then costs no
    query building per key, SQLite's variable limit does not apply, and
    PostgreSQL joins the unnested keys to the index (a plain `= ANY(array)`
    makes it scan the table once it holds more than a few thousand rows).
    Use: Partner.objects.filter(keys_in(Partner, "external_id", exts))."""
    field = model._meta.get_field(field_name)
    quote = connection.ops.quote_name
    column = f"{quote(model._meta.db_table)}.{quote(field.column)}"
    keys = list(keys)
    # The column comes from the model's metadata, quoted; the keys are a parameter.
    if connection.vendor == "postgresql":
        array = (
            "bigint[]"
            if field.get_internal_type().endswith(("IntegerField", "AutoField"))
            else "text[]"
        )
        sql = f"{column} IN (SELECT unnest(%s::{array}))"
        return RawSQL(sql, [keys], output_field=BooleanField())  # noqa: S611
    sql = f"{column} IN (SELECT value FROM json_each(%s))"  # noqa: S608
    return RawSQL(sql, [json.dumps(keys)], output_field=BooleanField())  # noqa: S611


def forget_queries() -> None:
    """With DEBUG on, Django keeps the last 9,000 statements; with thousands of
    keys each that alone takes hundreds of megabytes. Call once per chunk."""
    connection.queries_log.clear()


def analyze(*models) -> None:
    """Fresh planner statistics after a bulk write (PostgreSQL; rows of the
    running transaction count), so lookups keep using their indexes."""
    if connection.vendor != "postgresql":
        return
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for model in models:
            cursor.execute(f"ANALYZE {quote(model._meta.db_table)}")


# -- fast inserts ----------------------------------------------------------------


class RowWriter:
    """Insert plain tuples into a model's table, fast: COPY on PostgreSQL,
    executemany elsewhere. For a million rows Django's bulk_create spends most
    of its time building model instances and adapting values field by field.

    `columns` are attnames ("user_id", not "user"); every other concrete field
    gets its default (auto_now / auto_now_add fields: now), so a field added to
    the model later is filled as bulk_create would fill it. The primary key is
    left to the database unless it is one of the columns (see IdReserver).
    No save(), no signals: callers write what the services would write.
    """

    def __init__(self, model, columns: list[str] | tuple[str, ...]):
        meta = model._meta
        by_attname = {f.attname: f for f in meta.concrete_fields}
        unknown = [c for c in columns if c not in by_attname]
        if unknown:
            raise ValueError(f"{model.__name__} has no column(s) {unknown}")
        now = timezone.now()
        self.table = meta.db_table
        self.fields = [by_attname[c] for c in columns]
        extra = [f for f in meta.concrete_fields if f.attname not in columns and not f.primary_key]
        self.fields += extra
        self.defaults = tuple(
            now
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
            else f.get_default()
            for f in extra
        )
        quote = connection.ops.quote_name
        names = ", ".join(quote(f.column) for f in self.fields)
        self.copy_sql = f"COPY {quote(self.table)} ({names}) FROM STDIN"
        self.insert_sql = f"INSERT INTO {quote(self.table)} ({names}) VALUES ({', '.join(['%s'] * len(self.fields))})"  # noqa: S608

    def write(self, rows: Iterable[tuple]) -> None:
        defaults = self.defaults
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                with cursor.copy(self.copy_sql) as copy:
                    for row in rows:
                        copy.write_row(row + defaults)
                return
            fields = self.fields
            prepared = [
                tuple(
                    f.get_db_prep_save(v, connection)
                    for f, v in zip(fields, row + defaults, strict=True)
                )
                for row in rows
            ]
            if prepared:
                cursor.executemany(self.insert_sql, prepared)


# -- writing CSV -----------------------------------------------------------------

# data-exchange.md: every CSV the product writes neutralises cells that a
# spreadsheet would run as a formula (a text cell starting with =, + , - or @ gets a
# leading '); numbers stay numbers. This is the one place that rule lives.
FORMULA_PREFIXES = ("=", "+", "-", "@")
_NUMBER = re.compile(r"[+-]?\d+(?:\.\d+)?")


def csv_cell(value) -> str:
    """One cell as written: None is empty, numbers (also "-5.00") unchanged, a text
    that a spreadsheet would evaluate gets a leading apostrophe."""
    if value is None:
        return ""
    text = str(value)
    if text.startswith(FORMULA_PREFIXES) and not _NUMBER.fullmatch(text):
        return "'" + text
    return text


class CsvWriter:
    """csv.writer that passes every cell through csv_cell. Every CSV writer of the
    product uses it: CsvWriter(fh).writerow([...])."""

    def __init__(self, fh, **kwargs):
        kwargs.setdefault("lineterminator", "\n")
        self._writer = csv.writer(fh, **kwargs)

    def writerow(self, row: Iterable) -> None:
        self._writer.writerow([csv_cell(value) for value in row])

    def writerows(self, rows: Iterable[Iterable]) -> None:
        for row in rows:
            self.writerow(row)


class CsvImportCommand(BaseCommand):
    """`manage.py import_… FILE [--no-progress]`: runs an import and reports the
    outcome; a refused file exits non-zero and lists every problem."""

    def run_import(self, *, path: str, progress: bool):
        raise NotImplementedError

    def success_message(self, result, *, seconds: float) -> str:
        raise NotImplementedError

    def add_arguments(self, parser):
        parser.add_argument("file", help="path of the CSV file")
        parser.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")

    def handle(self, *args, file, no_progress=False, **options):
        started = time_module.monotonic()
        try:
            result = self.run_import(path=file, progress=not no_progress)
        except CsvImportError as exc:
            raise CommandError(
                _("%(n)d problem(s) in %(file)s; nothing was imported.")
                % {"n": exc.total, "file": file}
                + "\n"
                + str(exc)
            ) from exc
        self.stdout.write(
            self.style.SUCCESS(
                self.success_message(result, seconds=time_module.monotonic() - started)
            )
        )
