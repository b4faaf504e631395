"""Partner import (data-exchange.md, "Partners"): all or nothing, streaming.

Pass 1 reads the file and checks every row (values, uniqueness within the file
and against the database, sponsors, cycles), keeping only compact maps keyed by
external_id. Pass 2 reads it again and writes users and partners in chunks, in
one transaction. Partner ids are reserved before insert, so a partner's path
(its ancestors' ids, genealogy.child_path) is known even when the sponsor's row
comes further down the file; the sponsor foreign key is checked at commit.

Re-import: a row whose external_id was imported before must carry the same
data (empty optional values are not compared); it is then left alone. Different
data is an error: an import never changes an existing partner (do that in the
admin, where moves and status changes are logged).
"""

from __future__ import annotations

import secrets
import sys
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from mlm.reserved_paths import RESERVED_PATHS

from .csvio import (
    Column,
    CsvSource,
    IdReserver,
    RowWriter,
    analyze,
    chunked,
    forget_queries,
    keys_in,
    parse_date_or_datetime,
    progress_bar,
)
from .genealogy import child_path
from .models import Partner, normalize_email
from .services import partner_enroll_values, partner_team_sizes_refresh, partner_user_values
from .slugs import SLUG_MAX, slug_from_text, slug_problems

PARTNER_COLUMNS = (
    Column("external_id", required=True),
    Column("email", required=True),
    Column("first_name", required=True),
    Column("last_name", required=True),
    Column("slug"),
    Column("sponsor_external_id"),
    Column("joined_at"),
    Column("status"),
)
CHUNK = 2_000
_LOOKUP = 900  # ids per IN (...) query, below SQLite's variable limit


@dataclass(frozen=True)
class PartnerImportResult:
    created: int
    unchanged: int


@dataclass
class _Plan:
    """What pass 1 learned, compact: no parsed rows, only keys."""

    line_of: dict[str, int]  # external_id -> line, every row
    sponsor_of: dict[str, str]  # every row: external_id -> sponsor external_id ("" = root)
    existing: set[str]  # rows imported before, identical: left alone
    slugs: dict[str, int]  # slugs given for new rows -> line
    needs_slug: int = 0  # new rows without a slug


def partners_import(*, path, progress: bool = True, chunk_size: int = CHUNK) -> PartnerImportResult:
    """Import partners from a CSV file, all or nothing. Raises CsvImportError
    (a ValidationError) listing every bad row; nothing is written then."""
    source = CsvSource(path, PARTNER_COLUMNS, progress=progress)
    plan = _validate(source, chunk_size)
    db_sponsors = _check_sponsors(source, plan)
    source.errors.raise_if_any()
    plan.line_of.clear()  # only error messages needed it
    source.check_unchanged()
    with transaction.atomic():
        created = _write(source, plan, db_sponsors, chunk_size)
        if created:
            partner_team_sizes_refresh()
    return PartnerImportResult(created=created, unchanged=len(plan.existing))


# -- pass 1: validate ----------------------------------------------------------


def _validate(source: CsvSource, chunk_size: int) -> _Plan:
    plan = _Plan(line_of={}, sponsor_of={}, existing=set(), slugs={})
    email_line: dict[str, int] = {}
    errors = source.errors
    for chunk in chunked(source.rows(desc=_("checking partners")), chunk_size):
        forget_queries()
        good = []
        for line, row in chunk:
            parsed = _parse_row(line, row, errors)
            ext = sys.intern(row["external_id"])
            if ext in plan.line_of:
                errors.add(
                    line,
                    "external_id",
                    _("“%(id)s” appears twice in the file (first on line %(first)d).")
                    % {"id": ext, "first": plan.line_of[ext]},
                )
                continue
            plan.line_of[ext] = line
            plan.sponsor_of[ext] = sys.intern(row["sponsor_external_id"])
            email = parsed.get("email")
            if email:
                if email in email_line:
                    errors.add(
                        line,
                        "email",
                        _("%(email)s appears twice in the file (first on line %(first)d).")
                        % {"email": email, "first": email_line[email]},
                    )
                    parsed = None
                else:
                    email_line[email] = line
            slug = parsed.get("slug") if parsed else None
            if slug:
                if slug in plan.slugs:
                    errors.add(
                        line,
                        "slug",
                        _("“%(slug)s” appears twice in the file (first on line %(first)d).")
                        % {"slug": slug, "first": plan.slugs[slug]},
                    )
                    parsed = None
                else:
                    plan.slugs[slug] = line
            if parsed is not None and not parsed.get("_bad"):
                good.append((line, parsed))
        _check_against_db(good, plan, errors)
    # Slugs of rows that exist already are theirs; only new rows claim new slugs.
    return plan


def _parse_row(line: int, row: dict[str, str], errors) -> dict:
    """Checks of one row on its own; returns normalised values ("_bad" if any failed)."""
    out: dict = {"external_id": row["external_id"], "_bad": False}

    def bad(column: str, message: str) -> None:
        errors.add(line, column, message)
        out["_bad"] = True

    if len(row["external_id"]) > 100:
        bad("external_id", _("at most 100 characters."))
    email = normalize_email(row["email"])
    try:
        validate_email(email)
        out["email"] = email
    except ValidationError:
        bad("email", _("“%(value)s” is not a valid e-mail address.") % {"value": row["email"]})
    for name in ("first_name", "last_name"):
        if len(row[name]) > 100:
            bad(name, _("at most 100 characters."))
        out[name] = row[name]
    if row["slug"]:
        slug = row["slug"].lower()
        problems = slug_problems(slug)
        if problems:
            bad("slug", " ".join(problems))
        else:
            out["slug"] = slug
    out["sponsor"] = row["sponsor_external_id"]
    if out["sponsor"] and out["sponsor"] == row["external_id"]:
        bad("sponsor_external_id", _("a partner cannot be their own sponsor."))
    if row["joined_at"]:
        try:
            out["joined_at"] = parse_date_or_datetime(row["joined_at"])
        except ValueError as exc:
            bad("joined_at", str(exc))
    if row["status"]:
        status = row["status"].lower()
        if status not in Partner.Status.values:
            bad(
                "status",
                _("“%(value)s” is not a status; use one of: %(choices)s.")
                % {"value": row["status"], "choices": ", ".join(Partner.Status.values)},
            )
        out["status"] = status
    return out


def _check_against_db(rows: list[tuple[int, dict]], plan: _Plan, errors) -> None:
    """Compare a chunk with what the database holds (a few IN queries)."""
    if not rows:
        return
    User = get_user_model()
    exts = [r["external_id"] for _line, r in rows]
    known = {
        row[0]: row
        for row in Partner.objects.filter(keys_in(Partner, "external_id", exts))
        .order_by()
        .values_list(*_COMPARED)
    }
    emails = [r["email"] for _line, r in rows]
    email_owner = dict(
        User.objects.filter(keys_in(User, "email", emails))
        .order_by()
        .values_list("email", "partner__external_id")
    )
    slugs = [r["slug"] for _line, r in rows if r.get("slug")]
    slug_owner = (
        dict(
            Partner.objects.filter(keys_in(Partner, "slug", slugs))
            .order_by()
            .values_list("slug", "external_id")
        )
        if slugs
        else {}
    )

    for line, r in rows:
        ext = r["external_id"]
        stored = known.get(ext)
        if stored is not None:
            differ = _differences(stored, r)
            if differ:
                errors.add(
                    line,
                    "external_id",
                    _(
                        "“%(id)s” was already imported with other data (%(columns)s differ); "
                        "an import does not change existing partners."
                    )
                    % {"id": ext, "columns": ", ".join(differ)},
                )
            else:
                plan.existing.add(ext)
                # The row is left alone; its slug is its own already.
                plan.slugs.pop(r.get("slug", ""), None)
            continue
        if r["email"] in email_owner:
            errors.add(
                line,
                "email",
                _("an account with %(email)s exists already.") % {"email": r["email"]},
            )
        if r.get("slug") and r["slug"] in slug_owner:
            errors.add(
                line,
                "slug",
                _("“%(slug)s” is already taken by another partner.") % {"slug": r["slug"]},
            )
        if not r.get("slug"):
            plan.needs_slug += 1


# What a re-imported row is compared with, in the order of _differences().
_COMPARED = (
    "external_id",
    "user__email",
    "first_name",
    "last_name",
    "slug",
    "sponsor_id",
    "sponsor__external_id",
    "joined_at",
    "status",
)


def _differences(stored: tuple, r: dict) -> list[str]:
    _ext, email, first_name, last_name, slug, sponsor_id, sponsor_ext, joined_at, status = stored
    differ = []
    if email != r["email"]:
        differ.append("email")
    if first_name != r["first_name"]:
        differ.append("first_name")
    if last_name != r["last_name"]:
        differ.append("last_name")
    if r.get("slug") and slug != r["slug"]:
        differ.append("slug")
    if (sponsor_ext or "") != r["sponsor"] or (sponsor_id and not sponsor_ext):
        differ.append("sponsor_external_id")
    if r.get("joined_at") and joined_at != r["joined_at"]:
        differ.append("joined_at")
    if r.get("status") and status != r["status"]:
        differ.append("status")
    return differ


def _check_sponsors(source: CsvSource, plan: _Plan) -> dict[str, tuple[int, str]]:
    """Every sponsor is in the file or in the database; no cycles. Returns the
    database partners that sponsor new rows: external_id -> (id, path)."""
    errors = source.errors
    outside = {
        s
        for s in plan.sponsor_of.values()
        if s and (s not in plan.sponsor_of or s in plan.existing)
    }
    db_sponsors: dict[str, tuple[int, str]] = {}
    outside_list = sorted(outside)
    for i in range(0, len(outside_list), _LOOKUP):
        for ext, pk, path in (
            Partner.objects.filter(keys_in(Partner, "external_id", outside_list[i : i + _LOOKUP]))
            .order_by()
            .values_list("external_id", "pk", "path")
        ):
            db_sponsors[ext] = (pk, path)
    for ext, sponsor in plan.sponsor_of.items():
        if sponsor and sponsor not in plan.sponsor_of and sponsor not in db_sponsors:
            errors.add(
                plan.line_of[ext],
                "sponsor_external_id",
                _("sponsor “%(sponsor)s” is neither in this file nor imported before.")
                % {"sponsor": sponsor},
            )

    # Cycles: follow each chain of new rows upwards once.
    state: dict[str, int] = {}  # 1 = on the current trail, 2 = done
    for start in plan.sponsor_of:
        if start in state:
            continue
        trail = []
        node = start
        while node in plan.sponsor_of and node not in state:
            state[node] = 1
            trail.append(node)
            node = plan.sponsor_of[node]
        if state.get(node) == 1:
            cycle = trail[trail.index(node) :]
            if len(cycle) > 1:  # a partner naming itself was reported already
                described = " → ".join(
                    f"{ext} (line {plan.line_of[ext]})" for ext in [*cycle, cycle[0]]
                )
                for ext in cycle:
                    errors.add(
                        plan.line_of[ext],
                        "sponsor_external_id",
                        _("sponsors form a cycle: %(cycle)s.") % {"cycle": described},
                    )
        for ext in trail:
            state[ext] = 2
    return db_sponsors


# -- pass 2: write ---------------------------------------------------------------


def _write(
    source: CsvSource, plan: _Plan, db_sponsors: dict[str, tuple[int, str]], chunk_size: int
) -> int:
    User = get_user_model()
    ids = IdReserver(Partner)
    pk_of: dict[str, int] = {ext: pk for ext, (pk, _path) in db_sponsors.items()}
    # Paths are kept only for partners who sponsor someone in the file.
    sponsors = {s for s in plan.sponsor_of.values() if s}
    path_of: dict[str, str] = {ext: path for ext, (_pk, path) in db_sponsors.items()}

    def pk(ext: str) -> int:
        if ext not in pk_of:
            pk_of[ext] = ids.take()
        return pk_of[ext]

    def path(ext: str) -> str:
        """Path of a new partner: its ancestors' ids, root first."""
        trail = []
        node = ext
        while node and node not in path_of:
            trail.append(node)
            node = plan.sponsor_of[node]
        if not trail:
            return path_of[ext]
        # `node` is "" (trail[-1] is a root) or a partner whose path is known.
        parent, parent_path = node, path_of.get(node, "")
        for member in reversed(trail):
            member_path = child_path(parent_path, pk(parent)) if parent else ""
            if member in sponsors:
                path_of[member] = member_path
            parent, parent_path = member, member_path
        return member_path

    slugger = _SlugMaker(plan) if plan.needs_slug else None
    user_ids = IdReserver(User)
    users = RowWriter(User, USER_COLUMNS)
    partners = RowWriter(Partner, PARTNER_ROW_COLUMNS)
    now = timezone.now()
    created = 0
    bar = progress_bar(
        total=len(plan.sponsor_of) - len(plan.existing),
        desc=_("writing partners"),
        enabled=source.progress,
    )
    try:
        new_rows = (
            row
            for _line, row in source.rows(progress=False)
            if row["external_id"] not in plan.existing
        )
        for chunk in chunked(new_rows, chunk_size):
            user_rows, partner_rows = [], []
            for row in chunk:
                ext = row["external_id"]
                sponsor = row["sponsor_external_id"]
                # The values partner_enroll would give this partner.
                v = partner_enroll_values(
                    first_name=row["first_name"],
                    last_name=row["last_name"],
                    slug=row["slug"] or slugger.make(row["first_name"], row["last_name"]),
                    sponsor_id=pk(sponsor) if sponsor else None,
                    sponsor_path=path(sponsor) if sponsor else "",
                    status=row["status"],
                    external_id=ext,
                    joined_at=parse_date_or_datetime(row["joined_at"])
                    if row["joined_at"]
                    else None,
                    now=now,
                )
                u = partner_user_values(
                    email=row["email"], first_name=row["first_name"], last_name=row["last_name"]
                )
                user_id = user_ids.take()
                user_rows.append(
                    (
                        user_id,
                        u["email"],
                        u["first_name"],
                        u["last_name"],
                        UNUSABLE_PASSWORD_PREFIX + secrets.token_hex(20),
                        v.joined_at,
                        True,
                        False,
                        False,
                    )
                )
                partner_rows.append(
                    (
                        pk(ext),
                        user_id,
                        v.first_name,
                        v.last_name,
                        v.slug,
                        pk(sponsor) if sponsor else None,
                        v.path,
                        v.depth,
                        v.status,
                        v.external_id,
                        v.joined_at,
                    )
                )
            users.write(user_rows)
            partners.write(partner_rows)
            forget_queries()
            created += len(partner_rows)
            bar.update(len(partner_rows))
    finally:
        bar.close()
    analyze(User, Partner)
    return created


# Exactly what partner_enroll writes for a partner without password or terms.
USER_COLUMNS = (
    "id",
    "email",
    "first_name",
    "last_name",
    "password",
    "date_joined",
    "is_active",
    "is_staff",
    "is_superuser",
)
PARTNER_ROW_COLUMNS = (
    "id",
    "user_id",
    "first_name",
    "last_name",
    "slug",
    "sponsor_id",
    "path",
    "depth",
    "status",
    "external_id",
    "joined_at",
)


class _SlugMaker:
    """Landing page addresses for rows without one: from the name, unique
    against the database, the slugs the file gives, and each other."""

    def __init__(self, plan: _Plan):
        self.taken = set(Partner.objects.values_list("slug", flat=True).iterator(chunk_size=10_000))
        self.taken.update(plan.slugs)
        self.next_n: dict[str, int] = {}

    def make(self, first_name: str, last_name: str) -> str:
        base = slug_from_text(f"{first_name} {last_name}")
        if base in RESERVED_PATHS:
            base = f"{base}-partner"[:SLUG_MAX]
        if base not in self.taken and not slug_problems(base):
            self.taken.add(base)
            return base
        stem = base[: SLUG_MAX - 6].rstrip("-")
        n = self.next_n.get(stem, 2)
        while f"{stem}-{n}" in self.taken:
            n += 1
        self.next_n[stem] = n + 1
        slug = f"{stem}-{n}"
        self.taken.add(slug)
        return slug
