"""Writes on partners and the genealogy."""

import json
import logging
from dataclasses import asdict, dataclass
from datetime import datetime

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Value
from django.db.models.functions import Concat, Substr
from django.utils import timezone
from django.utils.translation import gettext as _

from . import signals
from .genealogy import SEPARATOR, child_path, upline_ids
from .models import Partner, SponsorChange, StatusChange, TeamSizeChange, normalize_email
from .selectors import partner_descendants
from .slugs import code_validate, slug_validate

logger = logging.getLogger(__name__)

_LOCK_ATTEMPTS = 3


def _lines_lock(*, partner_ids: list[int], shared: bool = False) -> dict[int, Partner]:
    """Lock the given partners and all their ancestors, in id order (so two
    services cannot deadlock), and return the given partners, freshly read.
    `shared`: a lock that only a move's (or a status change's) exclusive lock
    waits for, and many sign-ups hold at once (PostgreSQL's FOR KEY SHARE).

    The ancestors are read from the paths before the lock; if a concurrent
    move changed a path meanwhile, the lock is taken again on the new line."""
    for _attempt in range(_LOCK_ATTEMPTS):
        paths = dict(Partner.objects.filter(pk__in=partner_ids).values_list("pk", "path"))
        ids = set(partner_ids)
        for path in paths.values():
            ids.update(upline_ids(path))
        _rows_lock(sorted(ids), shared=shared)
        fresh = {p.pk: p for p in Partner.objects.filter(pk__in=partner_ids)}
        if all(fresh[pk].path == path for pk, path in paths.items()):
            return fresh
    raise ValidationError(_("The team structure changed meanwhile. Please try again."))


# A line is as long as the tree is deep (hundreds of ids): these two statements
# take the ids as plain parameters, without the ORM's per-value work on an IN list.


def _rows_lock(ids: list[int], *, shared: bool = False) -> None:
    """SELECT ... FOR UPDATE (or FOR KEY SHARE) on these partners, in id order."""
    marks = ", ".join(["%s"] * len(ids))
    sql = f"SELECT id FROM {Partner._meta.db_table} WHERE id IN ({marks}) ORDER BY id"  # noqa: S608 -- placeholders only
    if connection.features.has_select_for_update:
        sql += " FOR KEY SHARE" if shared and connection.vendor == "postgresql" else " FOR UPDATE"
    with connection.cursor() as cursor:
        cursor.execute(sql, ids)
        cursor.fetchall()


def _team_size_add(*, partner_ids: list[int], delta: int) -> None:
    """Add `delta` to the team size of these partners: as rows of the ledger
    (one statement), added to Partner.team_size by a task after commit. An
    UPDATE here would hold the row of every leader above until commit, and
    every other sign-up below them would wait for it."""
    if not partner_ids or not delta:
        return
    now = timezone.now()
    TeamSizeChange.objects.bulk_create(
        [TeamSizeChange(partner_id=pid, delta=delta, created_at=now) for pid in partner_ids]
    )
    transaction.on_commit(_team_size_changes_enqueue, robust=True)


# Set while an apply task is queued and has not started: one queued task
# drains every change committed before it starts, so a burst of sign-ups
# enqueues one task, not one each (a cache write instead of a broker message).
_APPLY_QUEUED_KEY = "partners:team-size-apply-queued"
_APPLY_QUEUED_SECONDS = 10  # a lost task's mark expires; the beat sweep applies meanwhile


def _team_size_changes_enqueue() -> None:
    from .tasks import apply_team_size_changes

    # False: a task is queued that has not yet read the ledger (it clears the
    # mark first), so it will see these changes. None (cache down) enqueues.
    if cache.add(_APPLY_QUEUED_KEY, 1, _APPLY_QUEUED_SECONDS) is False:
        return
    try:
        apply_team_size_changes.delay()
    except Exception:  # broker down: the periodic sweep applies them later
        cache.delete(_APPLY_QUEUED_KEY)
        logger.exception("Could not enqueue apply_team_size_changes")


_TEAM_SIZES_LOCK = 0x7EA3517E  # pg_advisory_xact_lock key: one applier at a time


def _team_sizes_lock() -> None:
    """Until commit, no other applier, recount or move (PostgreSQL; SQLite
    writes one at a time anyway). Taken before any partner row is locked."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_TEAM_SIZES_LOCK])


@transaction.atomic
def partner_team_size_changes_apply() -> int:
    """Add the pending team-size changes to Partner.team_size and delete them,
    net per partner, in two statements however many there are. One applier at
    a time (an advisory lock on PostgreSQL; SQLite writes one at a time), so
    a move's -n never lands before the sign-ups it counted. Partners are
    updated in id order, as every lock on them is taken. Returns the number of
    changes applied."""
    table = TeamSizeChange._meta.db_table
    partners = Partner._meta.db_table
    # Before the ledger is read: a sign-up committing from now on enqueues again.
    cache.delete(_APPLY_QUEUED_KEY)
    _team_sizes_lock()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"DELETE FROM {table} RETURNING partner_id, delta")  # noqa: S608
            changes = cursor.fetchall()
        else:
            cursor.execute(f"SELECT id, partner_id, delta FROM {table}")  # noqa: S608
            rows = cursor.fetchall()
            changes = [(pid, delta) for _id, pid, delta in rows]
            if rows:
                cursor.execute(f"DELETE FROM {table} WHERE id <= %s", [max(r[0] for r in rows)])  # noqa: S608
        net: dict[int, int] = {}
        for pid, delta in changes:
            net[pid] = net.get(pid, 0) + delta
        ids = sorted(pid for pid, delta in net.items() if delta)
        if not ids:
            return len(changes)
        deltas = [net[pid] for pid in ids]
        if connection.vendor == "postgresql":
            cursor.execute(
                f"SELECT id FROM {partners} WHERE id = ANY(%s) ORDER BY id FOR NO KEY UPDATE",  # noqa: S608
                [ids],
            )
            cursor.fetchall()
            cursor.execute(
                f"UPDATE {partners} p SET team_size = p.team_size + d.delta "  # noqa: S608
                "FROM unnest(%s::bigint[], %s::integer[]) AS d(id, delta) WHERE p.id = d.id",
                [ids, deltas],
            )
        else:
            doc = json.dumps([[pid, delta] for pid, delta in zip(ids, deltas, strict=True)])
            cursor.execute(
                f"UPDATE {partners} SET team_size = team_size + (SELECT json_extract(value, '$[1]') "  # noqa: S608
                f"FROM json_each(%s) WHERE json_extract(value, '$[0]') = {partners}.id) "
                "WHERE id IN (SELECT json_extract(value, '$[0]') FROM json_each(%s))",
                [doc, doc],
            )
    return len(changes)


# The whole tree's team sizes from the sponsor links, set-based; see
# partner_team_sizes_refresh. Migration 0005 holds a copy of the first statement.
_TEAM_SIZES_FROM_SPONSORS = """
WITH RECURSIVE up(ancestor_id) AS (
    SELECT sponsor_id FROM partners_partner WHERE sponsor_id IS NOT NULL
    UNION ALL
    SELECT p.sponsor_id FROM up JOIN partners_partner p ON p.id = up.ancestor_id
    WHERE p.sponsor_id IS NOT NULL
),
sizes AS (SELECT ancestor_id, COUNT(*) AS n FROM up GROUP BY ancestor_id)
UPDATE partners_partner SET team_size = sizes.n FROM sizes
WHERE sizes.ancestor_id = partners_partner.id AND partners_partner.team_size <> sizes.n
"""
_TEAM_SIZES_OF_LEAVES = """
UPDATE partners_partner SET team_size = 0
WHERE team_size <> 0 AND NOT EXISTS (
    SELECT 1 FROM partners_partner AS child WHERE child.sponsor_id = partners_partner.id
)
"""


@transaction.atomic
def partner_team_sizes_refresh() -> None:
    """Recount every partner's team size from the sponsor links in two
    set-based statements (after a bulk write that bypassed partner_enroll,
    such as partners.imports); rows already right are not written. The
    pending changes are in the count, so they go: sign-ups wait meanwhile
    (the ledger is locked), so none is counted twice or lost."""
    table = TeamSizeChange._meta.db_table
    _team_sizes_lock()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"LOCK TABLE {table} IN EXCLUSIVE MODE")
        cursor.execute(_TEAM_SIZES_FROM_SPONSORS)
        cursor.execute(_TEAM_SIZES_OF_LEAVES)
        cursor.execute(f"DELETE FROM {table}")  # noqa: S608


# --- Enrolling ------------------------------------------------------------------
# partner_enroll enrolls one partner; partners/imports.py enrolls a file of them
# in bulk (COPY). Both take the new partner's values from partner_enroll_values
# and the user's from partner_user_values, so a rule about them lives here once.


@dataclass(frozen=True, slots=True)
class EnrollValues:
    """The values a new partner row gets (derived fields included)."""

    first_name: str
    last_name: str
    slug: str
    path: str
    depth: int
    status: str
    external_id: str | None
    joined_at: datetime


def partner_genealogy_for(*, sponsor_id: int | None, sponsor_path: str = "") -> tuple[str, int]:
    """Path and depth of a new partner under a sponsor (a root: "", 0)."""
    if sponsor_id is None:
        return "", 0
    path = child_path(sponsor_path, sponsor_id)
    return path, path.count(SEPARATOR)


def partner_enroll_values(
    *,
    first_name: str,
    last_name: str,
    slug: str,
    sponsor_id: int | None,
    sponsor_path: str = "",
    status: str | None = None,
    external_id: str | None = None,
    joined_at: datetime | None = None,
    now: datetime | None = None,
) -> EnrollValues:
    """Pure: the new partner's values; `slug` already checked (slug_problems)."""
    path, depth = partner_genealogy_for(sponsor_id=sponsor_id, sponsor_path=sponsor_path)
    return EnrollValues(
        first_name=first_name.strip(),
        last_name=last_name.strip(),
        slug=slug.strip().lower(),
        path=path,
        depth=depth,
        status=(status or Partner.Status.ACTIVE).lower(),
        external_id=external_id or None,
        joined_at=joined_at or now or timezone.now(),
    )


def partner_user_values(*, email: str, first_name: str, last_name: str) -> dict[str, str]:
    """The account of a new partner: e-mail normalised (stored e-mails are
    compared exactly), names as given."""
    return {"email": normalize_email(email), "first_name": first_name, "last_name": last_name}


def partner_email_taken(*, email: str) -> bool:
    # Stored e-mails are normalised (User.save, and a unique index on lower(email)
    # catches any other way in), so an exact match can use the index; iexact
    # would scan every user.
    return get_user_model().objects.filter(email=normalize_email(email)).exists()


@transaction.atomic
def partner_enroll(
    *,
    email: str,
    first_name: str,
    last_name: str,
    slug: str,
    sponsor: Partner | None,
    password: str | None = None,
    user=None,
    terms_accepted: bool = False,
    external_id: str | None = None,
    joined_at=None,
    status: str = Partner.Status.ACTIVE,
    allow_root: bool = False,
) -> Partner:
    """Enroll a partner under a sponsor. Self sign-up always needs an active
    sponsor; only admins (allow_root) create roots."""
    slug = slug_validate(slug)
    if sponsor is None and not allow_root:
        raise ValidationError({"sponsor": _("A sponsor is required to join.")})
    if sponsor is not None:
        # Lock the sponsor and the whole line above (shared: other sign-ups
        # hold it too) so a concurrent move cannot change the path we copy;
        # their team sizes grow by one through the ledger.
        sponsor = _lines_lock(partner_ids=[sponsor.pk], shared=True)[sponsor.pk]
        if sponsor.status != Partner.Status.ACTIVE and not allow_root:
            raise ValidationError({"sponsor": _("This sponsor cannot enroll new partners.")})
    if user is None:
        if partner_email_taken(email=email):
            raise ValidationError(
                {"email": _("An account with this e-mail address exists already.")}
            )
        user = get_user_model()(
            **partner_user_values(email=email, first_name=first_name, last_name=last_name)
        )
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        try:
            with transaction.atomic():
                user.save()
        except IntegrityError as exc:
            # Two enrollments with the same address raced; the unique index decided.
            raise ValidationError(
                {"email": _("An account with this e-mail address exists already.")}
            ) from exc
    values = partner_enroll_values(
        first_name=first_name,
        last_name=last_name,
        slug=slug,
        sponsor_id=sponsor.pk if sponsor else None,
        sponsor_path=sponsor.path if sponsor else "",
        status=status,
        external_id=external_id,
        joined_at=joined_at,
    )
    partner = Partner(user=user, sponsor=sponsor, **asdict(values))
    if terms_accepted:
        partner.terms_accepted_at = timezone.now()
        partner.terms_version = settings.PARTNER_TERMS_VERSION
    try:
        with transaction.atomic():
            partner.save()
    except IntegrityError as exc:
        # Two sign-ups raced for the same slug; the database constraint decided.
        raise ValidationError(
            {"slug": _("This address was just taken. Please choose another.")}
        ) from exc
    if sponsor is not None:
        _team_size_add(partner_ids=upline_ids(partner.path), delta=1)
    signals.partner_enrolled.send(sender=Partner, partner=partner)
    return partner


@transaction.atomic
def partner_move(
    *, partner: Partner, new_sponsor: Partner | None, changed_by=None, reason: str
) -> SponsorChange:
    """Move a partner and their whole team under a new sponsor, atomically."""
    if not reason or not reason.strip():
        raise ValidationError({"reason": _("Please give a reason for the move.")})
    # Lock both rows and their lines (whose team sizes change) in id order so
    # two moves cannot deadlock; no applier of team sizes holds rows meanwhile.
    _team_sizes_lock()
    ids = sorted({partner.pk} | ({new_sponsor.pk} if new_sponsor else set()))
    locked = _lines_lock(partner_ids=ids)
    partner = locked[partner.pk]
    new_sponsor = locked[new_sponsor.pk] if new_sponsor else None
    if new_sponsor is not None:
        if new_sponsor.pk == partner.pk:
            raise ValidationError({"new_sponsor": _("A partner cannot sponsor themselves.")})
        if new_sponsor.path.startswith(partner.descendants_prefix):
            raise ValidationError(
                {
                    "new_sponsor": _(
                        "%(sponsor)s is in %(partner)s's own team; a partner cannot be moved under their own downline."
                    )
                    % {"sponsor": new_sponsor.full_name, "partner": partner.full_name}
                }
            )
    old_sponsor_id = partner.sponsor_id
    if old_sponsor_id == (new_sponsor.pk if new_sponsor else None):
        raise ValidationError({"new_sponsor": _("This is already the partner's sponsor.")})

    old_prefix = partner.descendants_prefix
    new_path = child_path(new_sponsor.path, new_sponsor.pk) if new_sponsor else ""
    new_depth = new_sponsor.depth + 1 if new_sponsor else 0
    depth_delta = new_depth - partner.depth
    new_prefix = child_path(new_path, partner.pk)
    team_size = partner_descendants(partner=partner).update(
        path=Concat(Value(new_prefix), Substr("path", len(old_prefix) + 1)),
        depth=F("depth") + depth_delta,
    )
    Partner.objects.filter(pk=partner.pk).update(
        sponsor=new_sponsor, path=new_path, depth=new_depth
    )
    # The moved block (the partner and their team) leaves the old line and joins the new one.
    old_line, new_line = set(upline_ids(partner.path)), set(upline_ids(new_path))
    _team_size_add(partner_ids=sorted(old_line - new_line), delta=-(team_size + 1))
    _team_size_add(partner_ids=sorted(new_line - old_line), delta=team_size + 1)
    change = SponsorChange.objects.create(
        partner=partner,
        from_sponsor_id=old_sponsor_id,
        to_sponsor=new_sponsor,
        changed_by=changed_by,
        reason=reason.strip(),
        team_size=team_size,
    )
    signals.partner_moved.send(sender=Partner, change=change)
    return change


@transaction.atomic
def partner_set_status(
    *, partner: Partner, status: str, changed_by=None, reason: str = ""
) -> Partner:
    if status not in Partner.Status.values:
        raise ValidationError({"status": _("Unknown status.")})
    partner = Partner.objects.select_for_update().get(pk=partner.pk)
    if partner.status == status:
        return partner
    if partner.status == Partner.Status.TERMINATED:
        raise ValidationError({"status": _("A terminated partner cannot be reactivated.")})
    old = partner.status
    partner.status = status
    partner.save(update_fields=["status", "updated_at"])
    StatusChange.objects.create(
        partner=partner, from_status=old, to_status=status, changed_by=changed_by, reason=reason
    )
    signals.partner_status_changed.send(
        sender=Partner, partner=partner, old_status=old, changed_by=changed_by
    )
    return partner


def partner_nearest_active_upline(*, partner: Partner) -> Partner | None:
    from .selectors import partner_upline

    for ancestor in reversed(partner_upline(partner=partner)):
        if ancestor.status == Partner.Status.ACTIVE:
            return ancestor
    return None


@transaction.atomic
def partner_code_set(*, partner: Partner, code: str) -> Partner:
    """The partner's code for customers (empty: none; their address stays a code)."""
    code = (code or "").strip()
    new = code_validate(code, partner=partner) if code else None
    partner = Partner.objects.select_for_update().get(pk=partner.pk)
    partner.code = new
    try:
        with transaction.atomic():
            partner.save(update_fields=["code", "updated_at"])
    except IntegrityError:  # taken meanwhile
        raise ValidationError(
            {"code": _("“%(code)s” is already taken. Please choose another code.") % {"code": new}}
        ) from None
    return partner
