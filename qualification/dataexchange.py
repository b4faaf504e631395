"""Order history in, period results out (data-exchange.md, "Orders" and "Results").

Import (`orders_import`): all or nothing, streaming. Pass 1 checks every row
(values, uniqueness, partners, closed periods) and keeps only the external ids.
Pass 2 writes, in one transaction and in chunks, exactly the rows the live path
would have produced, with the live decisions but in bulk (COPY), without a
signal per row: the orders app's bulk writer (orders/bulk.py) writes customers,
orders, lines, transitions, refunds and order events "paid" / "refund:<id>";
their ledger entries are what bookings.order_event_bookings decides, as for
the live receiver. The touched periods are recomputed once at the
end, so no PendingVolume rows are made.

Re-import: an order whose external_id exists already must carry the same data;
it is left alone then. Different data is an error (an import never changes an
existing order). refunded_at is compared only when the file gives one, since an
imported order may have been refunded live since.

Export (`qualification_export_rows`): one row per partner, sorted by slug,
streamed from one query.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import connection, transaction
from django.db.models import F, FilteredRelation, OuterRef, Q, Subquery
from django.db.models.functions import Collate
from django.utils import timezone
from django.utils.translation import gettext as _

from orders.bulk import ImportedOrder, OrderBulkWriter, WrittenOrder
from orders.models import AttributionChange, Order, OrderEvent
from partners.csvio import (
    Column,
    CsvImportError,
    CsvProblem,
    CsvSource,
    RowWriter,
    analyze,
    chunked,
    forget_queries,
    keys_in,
    parse_currency,
    parse_datetime_with_offset,
    parse_decimal,
    progress_bar,
    progress_callback,
)
from partners.models import Partner, normalize_email

from .bookings import Booking, Posted, Volume, order_event_bookings
from .models import PartnerPeriodStats, Period, VolumeEntry
from .periods import company_tz, month_start
from .services import period_for, period_recompute

ORDER_COLUMNS = (
    Column("external_id", required=True),
    Column("customer_email", required=True),
    Column("partner_external_id"),
    Column("paid_at", required=True),
    Column("currency", required=True),
    Column("total", required=True),
    Column("qv", required=True),
    Column("refunded_at"),
    # The order's commissionable value (commissions.md 1); without it 0, so
    # nothing is paid on data that does not say so.
    Column("cv"),
)
EXPORT_HEADER = [
    "external_id",
    "slug",
    "pv",
    "customer_pv",
    "own_pv",
    "gv",
    "paid_as_rank",
    "title_rank",
]
CHUNK = 2_000
ZERO = Decimal("0")


@dataclass(frozen=True)
class OrderImportResult:
    created: int
    unchanged: int
    periods: list[str] = field(default_factory=list)  # recomputed, "YYYY-MM"


# -- import ---------------------------------------------------------------------


def orders_import(*, path, progress: bool = True, chunk_size: int = CHUNK) -> OrderImportResult:
    """Import paid (and refunded) orders from a CSV file, all or nothing.
    Raises CsvImportError (a ValidationError) listing every bad row."""
    source = CsvSource(path, ORDER_COLUMNS, progress=progress)
    existing, months, new_count = _validate(source, chunk_size)
    source.errors.raise_if_any()
    source.check_unchanged()
    with transaction.atomic():
        periods = _periods_for(months)
        created = _write(source, existing, periods, new_count, chunk_size)
        recomputed = _recompute(periods.values(), progress=progress) if created else []
    return OrderImportResult(created=created, unchanged=len(existing), periods=recomputed)


def _parse_row(line: int, row: dict[str, str], errors, closed: set[date], now, tz) -> dict | None:
    out: dict = {"external_id": row["external_id"]}
    ok = True

    def bad(column, message):
        nonlocal ok
        errors.add(line, column, message)
        ok = False

    if len(row["external_id"]) > 100:
        bad("external_id", _("at most 100 characters."))
    email = normalize_email(row["customer_email"])
    try:
        validate_email(email)
        out["email"] = email
    except ValidationError:
        bad(
            "customer_email",
            _("“%(value)s” is not a valid e-mail address.") % {"value": row["customer_email"]},
        )
    out["partner"] = row["partner_external_id"]
    for name in ("paid_at", "refunded_at"):
        if not row[name]:
            out[name] = None
            continue
        try:
            out[name] = parse_datetime_with_offset(row[name])
        except ValueError as exc:
            bad(name, str(exc))
            continue
        if out[name] > now:
            bad(name, _("“%(value)s” lies in the future.") % {"value": row[name]})
    try:
        out["currency"] = parse_currency(row["currency"])
    except ValueError as exc:
        bad("currency", str(exc))
    try:
        out["total"] = parse_decimal(row["total"], max_digits=12, minimum=ZERO)
    except ValueError as exc:
        bad("total", str(exc))
    try:
        out["qv"] = parse_decimal(row["qv"], max_digits=14, minimum=ZERO)
    except ValueError as exc:
        bad("qv", str(exc))
    try:
        out["cv"] = parse_decimal(row["cv"], max_digits=12, minimum=ZERO) if row["cv"] else ZERO
    except ValueError as exc:
        bad("cv", str(exc))
    paid_at, refunded_at = out.get("paid_at"), out.get("refunded_at")
    if paid_at and refunded_at and refunded_at < paid_at:
        bad(
            "refunded_at",
            _("the refund (%(refunded)s) cannot be before the payment (%(paid)s).")
            % {"refunded": row["refunded_at"], "paid": row["paid_at"]},
        )
    if paid_at and month_start(paid_at, tz) in closed:
        bad(
            "paid_at",
            _("period %(period)s is closed; its volume cannot change any more.")
            % {"period": f"{month_start(paid_at, tz):%Y-%m}"},
        )
    return out if ok else None


def _validate(source: CsvSource, chunk_size: int) -> tuple[set[str], set[date], int]:
    errors = source.errors
    closed = set(Period.objects.filter(status=Period.Status.CLOSED).values_list("start", flat=True))
    now = timezone.now()
    tz = company_tz()
    line_of: dict[str, int] = {}
    existing: set[str] = set()
    months: set[date] = set()
    new_count = 0
    for chunk in chunked(source.rows(desc=_("checking orders")), chunk_size):
        forget_queries()
        good = []
        for line, row in chunk:
            ext = row["external_id"]
            if ext in line_of:
                errors.add(
                    line,
                    "external_id",
                    _("“%(id)s” appears twice in the file (first on line %(first)d).")
                    % {"id": ext, "first": line_of[ext]},
                )
                continue
            line_of[ext] = line
            parsed = _parse_row(line, row, errors, closed, now, tz)
            if parsed is not None:
                good.append((line, parsed))
        if not good:
            continue
        partners = _partners_by_ext({r["partner"] for _line, r in good if r["partner"]})
        known = {
            stored[1]: stored
            for stored in Order.objects.filter(
                keys_in(Order, "external_id", [r["external_id"] for _line, r in good])
            )
            .order_by()
            .values_list(*_COMPARED)
        }
        original = _original_partners([stored[0] for stored in known.values()])
        for line, r in good:
            if r["partner"] and r["partner"] not in partners:
                errors.add(
                    line,
                    "partner_external_id",
                    _("no partner with external_id “%(id)s”; import the partners first.")
                    % {"id": r["partner"]},
                )
                continue
            stored = known.get(r["external_id"])
            if stored is not None:
                differ = _differences(stored, r, original)
                if differ:
                    errors.add(
                        line,
                        "external_id",
                        _(
                            "“%(id)s” was already imported with other data (%(columns)s differ); "
                            "an import does not change existing orders."
                        )
                        % {"id": r["external_id"], "columns": ", ".join(differ)},
                    )
                else:
                    existing.add(r["external_id"])
                continue
            new_count += 1
            months.add(month_start(r["paid_at"], tz))
    return existing, months, new_count


def _partners_by_ext(exts) -> dict[str, tuple[int, str]]:
    """external_id -> (partner id, account e-mail)."""
    if not exts:
        return {}
    return {
        ext: (pk, email)
        for ext, pk, email in Partner.objects.filter(keys_in(Partner, "external_id", exts))
        .order_by()
        .values_list("external_id", "pk", "user__email")
    }


def _original_partners(ids: list[int]) -> dict[int, str]:
    """order id -> external id of the partner the order was imported for, where
    an admin re-attributed it since."""
    if not ids:
        return {}
    first: dict[int, str] = {}
    for order_id, ext in (
        AttributionChange.objects.filter(order_id__in=ids)
        .order_by("order_id", "created_at", "pk")
        .values_list("order_id", "from_partner__external_id")
    ):
        first.setdefault(order_id, ext or "")
    return first


# What a re-imported row is compared with, in the order of _differences().
_COMPARED = (
    "pk",
    "external_id",
    "customer__email",
    "attributed_partner_id",
    "attributed_partner__external_id",
    "paid_at",
    "currency",
    "total",
    "qv",
    "refunded_at",
    "cv",
)


def _differences(stored: tuple, r: dict, original: dict[int, str]) -> list[str]:
    pk, _ext, email, partner_id, partner_ext, paid_at, currency, total, qv, refunded_at, cv = stored
    differ = []
    if email != r["email"]:
        differ.append("customer_email")
    if pk in original:  # re-attributed by an admin since: compare with what was imported
        partner_ext, partner_id = original[pk], original[pk] or None
    if (partner_ext or "") != r["partner"] or (partner_id and not partner_ext):
        differ.append("partner_external_id")
    if paid_at != r["paid_at"]:
        differ.append("paid_at")
    if currency != r["currency"]:
        differ.append("currency")
    if total != r["total"]:
        differ.append("total")
    if qv != r["qv"]:
        differ.append("qv")
    if cv != r["cv"]:
        differ.append("cv")
    if r["refunded_at"] and refunded_at != r["refunded_at"]:
        differ.append("refunded_at")
    return differ


def _periods_for(months: set[date]) -> dict[date, Period]:
    periods = {}
    for start in sorted(months):
        period = period_for(at=timezone.make_aware(datetime.combine(start, time(12))))
        if not period.is_open:  # closed since the check: refuse, as for the row
            raise CsvImportError(
                [
                    CsvProblem(
                        0,
                        "",
                        _("period %(period)s is closed; nothing was imported.")
                        % {"period": period.label},
                    )
                ]
            )
        periods[start] = period
    return periods


class _ImportPeriods:
    """The (open) periods the check found, by month: order_event_bookings'
    period resolver for the import (closed periods were refused)."""

    def __init__(self, periods: dict[date, Period]):
        self.by_month = periods
        self.tz = company_tz()

    def at(self, when: datetime) -> Period:
        return self.by_month[month_start(when, self.tz)]

    @staticmethod
    def open_or_current(period: Period) -> Period:
        return period


def _write(
    source: CsvSource, existing: set[str], periods: dict[date, Period], total: int, chunk_size: int
) -> int:
    """Orders through the orders app's bulk writer, then their ledger entries:
    the bookings order_event_bookings decides, as the live receiver would."""
    orders = OrderBulkWriter()
    entries = RowWriter(
        VolumeEntry,
        (
            "order_event_id",
            "line_no",
            "order_id",
            "period_id",
            "partner_id",
            "kind",
            *Volume.FIELDS,
        ),
    )
    resolver = _ImportPeriods(periods)
    created = 0
    bar = progress_bar(total=total, desc=_("writing orders"), enabled=source.progress)
    try:
        rows = (
            row for _line, row in source.rows(progress=False) if row["external_id"] not in existing
        )
        for chunk in chunked(rows, chunk_size):
            written = orders.write(_imported(chunk))
            entries.write(_entries(written, resolver))
            forget_queries()
            created += len(chunk)
            bar.update(len(chunk))
    finally:
        bar.close()
    orders.finish()
    analyze(VolumeEntry)
    return created


def _imported(chunk: list[dict]) -> list[ImportedOrder]:
    partners = _partners_by_ext(
        {row["partner_external_id"] for row in chunk if row["partner_external_id"]}
    )
    out = []
    for row in chunk:
        partner_id, partner_email = partners.get(row["partner_external_id"], (None, None))
        out.append(
            ImportedOrder(
                external_id=row["external_id"],
                email=normalize_email(row["customer_email"]),
                partner_id=partner_id,
                partner_email=partner_email,
                paid_at=parse_datetime_with_offset(row["paid_at"]),
                refunded_at=parse_datetime_with_offset(row["refunded_at"])
                if row["refunded_at"]
                else None,
                currency=parse_currency(row["currency"]),
                total=Decimal(row["total"]),
                qv=Decimal(row["qv"]),
                cv=Decimal(row["cv"]) if row["cv"] else ZERO,
            )
        )
    return out


def _entries(written: list[WrittenOrder], periods: _ImportPeriods) -> list[tuple]:
    """The ledger rows of the written orders' events (a full refund takes the
    order's volume back)."""
    rows = []
    for order in written:
        volume = Volume.of(order)
        paid = order_event_bookings(
            event_kind=_EVENT_PAID,
            occurred_at=order.paid_at,
            partner_id=order.partner_id,
            own=order.own,
            order_volume=volume,
            periods=periods,
        )
        rows.extend(_entry_rows(order.paid_event_id, order.order_id, paid))
        if order.refund_event_id is not None:
            refund = order_event_bookings(
                event_kind=_EVENT_REFUNDED,
                occurred_at=order.refunded_at,
                partner_id=order.partner_id,
                own=order.own,
                order_volume=volume,
                order_paid_at=order.paid_at,
                refund_volume=volume,
                posted=[Posted(b.period, b.partner_id, b.kind, b.volume, True) for b in paid],
                periods=periods,
            )
            rows.extend(_entry_rows(order.refund_event_id, order.order_id, refund))
    return rows


def _entry_rows(event_id: int, order_id: int, bookings: list[Booking]):
    for line_no, b in enumerate(bookings):
        yield (event_id, line_no, order_id, b.period.pk, b.partner_id, b.kind, *b.volume.values())


_EVENT_PAID, _EVENT_REFUNDED = OrderEvent.Kind.PAID.value, OrderEvent.Kind.REFUNDED.value


def _recompute(periods, *, progress: bool) -> list[str]:
    done = []
    for period in sorted(periods, key=lambda p: p.start):
        callback = progress_callback(
            desc=_("recomputing %(period)s") % {"period": period.label}, enabled=progress
        )
        try:
            period_recompute(period=period, progress=callback)
        finally:
            if callback is not None:
                callback.close()
        done.append(period.label)
    return done


# -- export -----------------------------------------------------------------------


def _two_places(value: Decimal | None) -> str:
    if value is None or value == 0:
        return "0.00"
    return f"{value.quantize(Decimal('0.01'))}"


def qualification_export_rows(*, period: Period, chunk_size: int = 5_000) -> Iterator[list[str]]:
    """The header, then one row per partner sorted by slug (byte order): PV,
    customer PV, own PV, GV and paid-as rank of the period (zeros and no rank
    without a results row), and the title rank as of the period: the highest
    paid-as rank of the closed periods up to and including it."""
    yield list(EXPORT_HEADER)
    title = (
        PartnerPeriodStats.objects.filter(
            partner=OuterRef("pk"),
            paid_as_level__gt=0,
            period__status=Period.Status.CLOSED,
            period__start__lte=period.start,
        )
        .order_by("-paid_as_level", "-period__start")
        .values("paid_as_name")[:1]
    )
    slug_order = Collate("slug", "C") if connection.vendor == "postgresql" else F("slug")
    rows = (
        Partner.objects.annotate(
            stats=FilteredRelation("period_stats", condition=Q(period_stats__period=period)),
            title_rank=Subquery(title),
        )
        .order_by(slug_order)
        .values_list(
            "external_id",
            "slug",
            "stats__pv",
            "stats__customer_pv",
            "stats__own_pv",
            "stats__gv",
            "stats__paid_as_name",
            "title_rank",
        )
    )
    for ext, slug, pv, customer_pv, own_pv, gv, paid_as, title_rank in rows.iterator(
        chunk_size=chunk_size
    ):
        yield [
            ext or "",
            slug,
            _two_places(pv),
            _two_places(customer_pv),
            _two_places(own_pv),
            _two_places(gv),
            paid_as or "",
            title_rank or "",
        ]
