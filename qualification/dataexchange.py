"""Order history in, period results out (data-exchange.md, "Orders" and "Results").

Import (`orders_import`): all or nothing, streaming. Pass 1 checks every row
(values, uniqueness, partners, closed periods) and keeps only the external ids.
Pass 2 writes, in one transaction and in chunks, exactly the rows the live path
(orders.services.order_mark_paid / order_refund and the qualification receiver)
would have produced -- customers, orders, one line "Import", transitions,
refunds, order events "paid" / "refund:<id>" and their ledger entries -- but in
bulk, without a signal per row. The touched periods are recomputed once at the
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

from orders.models import (
    AttributionChange,
    Customer,
    Order,
    OrderEvent,
    OrderLine,
    OrderTransition,
    Refund,
    RefundLine,
)
from partners.csvio import (
    Column,
    CsvImportError,
    CsvProblem,
    CsvSource,
    IdReserver,
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

from .models import PartnerPeriodStats, Period, VolumeEntry
from .services import company_tz, period_for, period_recompute

ORDER_COLUMNS = (
    Column("external_id", required=True),
    Column("customer_email", required=True),
    Column("partner_external_id"),
    Column("paid_at", required=True),
    Column("currency", required=True),
    Column("total", required=True),
    Column("qv", required=True),
    Column("refunded_at"),
)
EXPORT_HEADER = ["external_id", "slug", "pv", "customer_pv", "own_pv", "gv", "paid_as_rank", "title_rank"]
CHUNK = 2_000
IMPORT_LINE_NAME = "Import"
ZERO = Decimal("0")


def month_start(at: datetime, tz=None) -> date:
    """First day of the company-time month of an aware date-time (as
    services.month_start, with the zone looked up once per import)."""
    local = at.astimezone(tz or company_tz())
    return date(local.year, local.month, 1)


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
        bad("customer_email", _("“%(value)s” is not a valid e-mail address.") % {"value": row["customer_email"]})
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
    paid_at, refunded_at = out.get("paid_at"), out.get("refunded_at")
    if paid_at and refunded_at and refunded_at < paid_at:
        bad("refunded_at", _("the refund (%(refunded)s) cannot be before the payment (%(paid)s).")
            % {"refunded": row["refunded_at"], "paid": row["paid_at"]})
    if paid_at and month_start(paid_at, tz) in closed:
        bad("paid_at", _("period %(period)s is closed; its volume cannot change any more.")
            % {"period": f"{month_start(paid_at, tz):%Y-%m}"})
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
                errors.add(line, "external_id", _("“%(id)s” appears twice in the file (first on line %(first)d).")
                           % {"id": ext, "first": line_of[ext]})
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
            for stored in Order.objects.filter(keys_in(Order, "external_id", [r["external_id"] for _line, r in good])).order_by().values_list(
                *_COMPARED
            )
        }
        original = _original_partners([stored[0] for stored in known.values()])
        for line, r in good:
            if r["partner"] and r["partner"] not in partners:
                errors.add(line, "partner_external_id", _("no partner with external_id “%(id)s”; import the partners first.")
                           % {"id": r["partner"]})
                continue
            stored = known.get(r["external_id"])
            if stored is not None:
                differ = _differences(stored, r, original)
                if differ:
                    errors.add(line, "external_id", _(
                        "“%(id)s” was already imported with other data (%(columns)s differ); "
                        "an import does not change existing orders."
                    ) % {"id": r["external_id"], "columns": ", ".join(differ)})
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
        for ext, pk, email in Partner.objects.filter(keys_in(Partner, "external_id", exts)).order_by().values_list(
            "external_id", "pk", "user__email"
        )
    }


def _original_partners(ids: list[int]) -> dict[int, str]:
    """order id -> external id of the partner the order was imported for, where
    an admin re-attributed it since."""
    if not ids:
        return {}
    first: dict[int, str] = {}
    for order_id, ext in AttributionChange.objects.filter(order_id__in=ids).order_by("order_id", "created_at", "pk").values_list(
        "order_id", "from_partner__external_id"
    ):
        first.setdefault(order_id, ext or "")
    return first


# What a re-imported row is compared with, in the order of _differences().
_COMPARED = (
    "pk", "external_id", "customer__email", "attributed_partner_id", "attributed_partner__external_id", "paid_at",
    "currency", "total", "qv", "refunded_at",
)


def _differences(stored: tuple, r: dict, original: dict[int, str]) -> list[str]:
    pk, _ext, email, partner_id, partner_ext, paid_at, currency, total, qv, refunded_at = stored
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
    if r["refunded_at"] and refunded_at != r["refunded_at"]:
        differ.append("refunded_at")
    return differ


def _periods_for(months: set[date]) -> dict[date, Period]:
    periods = {}
    for start in sorted(months):
        period = period_for(at=timezone.make_aware(datetime.combine(start, time(12))))
        if not period.is_open:  # closed since the check: refuse, as for the row
            raise CsvImportError([CsvProblem(0, "", _("period %(period)s is closed; nothing was imported.")
                                             % {"period": period.label})])
        periods[start] = period
    return periods


class _Writers:
    """Ids and row writers for everything an imported order consists of: the
    rows order_place / order_mark_paid / order_refund and the qualification
    receiver write for a one-line order paid (and refunded in full)."""

    def __init__(self):
        self.customer_ids = IdReserver(Customer)
        self.order_ids = IdReserver(Order)
        self.line_ids = IdReserver(OrderLine)
        self.refund_ids = IdReserver(Refund)
        self.event_ids = IdReserver(OrderEvent)
        self.customers = RowWriter(Customer, ("id", "email"))
        self.orders = RowWriter(Order, (
            "id", "number", "external_id", "customer_id", "email", "status", "currency", "subtotal", "total", "qv",
            "attributed_partner_id", "attribution", "placed_at", "paid_at", "refunded_at", "payment_reference",
        ))
        self.lines = RowWriter(OrderLine, (
            "id", "order_id", "name", "unit_price", "vat_rate", "unit_qv", "quantity", "refunded_quantity",
        ))
        self.transitions = RowWriter(OrderTransition, ("order_id", "from_status", "to_status", "note"))
        self.refunds = RowWriter(Refund, ("id", "order_id", "amount", "qv", "is_full", "reason", "refunded_at"))
        self.refund_lines = RowWriter(RefundLine, ("refund_id", "order_line_id", "quantity"))
        self.events = RowWriter(OrderEvent, ("id", "order_id", "kind", "key", "occurred_at", "refund_id"))
        self.entries = RowWriter(VolumeEntry, ("order_event_id", "line_no", "order_id", "period_id", "partner_id", "kind", "qv"))


def _write(source: CsvSource, existing: set[str], periods: dict[date, Period], total: int, chunk_size: int) -> int:
    writers = _Writers()
    created = 0
    bound: set[int] = set()  # customers whose first attributed order in this file may bind them
    first_order_id = None
    bar = progress_bar(total=total, desc=_("writing orders"), enabled=source.progress)
    try:
        rows = (row for _line, row in source.rows(progress=False) if row["external_id"] not in existing)
        for number, chunk in enumerate(chunked(rows, chunk_size), start=1):
            first_id = _write_chunk(chunk, periods, writers, bound)
            forget_queries()
            if number in (2, 20, 200):  # the tables grow inside this transaction
                analyze(Customer, Order)
            first_order_id = first_order_id or first_id
            created += len(chunk)
            bar.update(len(chunk))
    finally:
        bar.close()
    if bound:
        _bind_customers(bound, first_order_id)
    analyze(Customer, Order, OrderLine, OrderEvent, VolumeEntry)
    return created


_PAID, _REFUNDED = Order.Status.PAID.value, Order.Status.REFUNDED.value
_OWN, _CUSTOMER = VolumeEntry.Kind.OWN.value, VolumeEntry.Kind.CUSTOMER.value


def _write_chunk(chunk: list[dict], periods: dict[date, Period], w: _Writers, bound: set[int]) -> int:
    partners = _partners_by_ext({row["partner_external_id"] for row in chunk if row["partner_external_id"]})
    emails = {normalize_email(row["customer_email"]) for row in chunk}
    customers = dict(Customer.objects.filter(keys_in(Customer, "email", emails)).order_by().values_list("email", "pk"))
    new_customers = [(w.customer_ids.take(), email) for email in sorted(emails - set(customers))]
    w.customers.write(new_customers)
    customers.update((email, pk) for pk, email in new_customers)
    period_ids = {start: p.pk for start, p in periods.items()}
    tz = company_tz()

    orders, lines, transitions, refunds, refund_lines, events, entries = [], [], [], [], [], [], []
    first_id = None
    for row in chunk:
        email = normalize_email(row["customer_email"])
        customer_id = customers[email]
        paid_at = parse_datetime_with_offset(row["paid_at"])
        refunded_at = parse_datetime_with_offset(row["refunded_at"]) if row["refunded_at"] else None
        total = Decimal(row["total"])
        qv = Decimal(row["qv"])
        partner_id, partner_email = partners.get(row["partner_external_id"], (None, None))
        if partner_id is None:
            attribution = Order.Attribution.NONE.value
        elif partner_email == email:
            attribution = Order.Attribution.SELF.value
        else:
            attribution = Order.Attribution.IMPORT.value
            bound.add(customer_id)
        kind = _OWN if attribution == Order.Attribution.SELF else _CUSTOMER
        period_id = period_ids[month_start(paid_at, tz)]
        order_id = w.order_ids.take()
        first_id = first_id or order_id
        line_id = w.line_ids.take()
        orders.append((
            order_id, f"IMP-{order_id}", row["external_id"], customer_id, email,
            _REFUNDED if refunded_at else _PAID, parse_currency(row["currency"]), total, total, qv,
            partner_id, attribution, paid_at, paid_at, refunded_at, "import",
        ))
        lines.append((line_id, order_id, IMPORT_LINE_NAME, total, ZERO, qv, 1, 1 if refunded_at else 0))
        transitions.append((order_id, "", _PAID, "import"))
        paid_event = w.event_ids.take()
        events.append((paid_event, order_id, OrderEvent.Kind.PAID.value, "paid", paid_at, None))
        # The receiver's booking (qualification.services._bookings_paid / _refund):
        # the period of the paid time (open: closed ones were refused), the
        # order's partner, own or customer volume; the refund takes it back there.
        entries.append((paid_event, 0, order_id, period_id, partner_id, kind, qv))
        if refunded_at:
            transitions.append((order_id, _PAID, _REFUNDED, "import"))
            refund_id = w.refund_ids.take()
            refunds.append((refund_id, order_id, total, qv, True, "import", refunded_at))
            refund_lines.append((refund_id, line_id, 1))
            refund_event = w.event_ids.take()
            events.append((refund_event, order_id, OrderEvent.Kind.REFUNDED.value, f"refund:{refund_id}", refunded_at, refund_id))
            entries.append((refund_event, 0, order_id, period_id, partner_id, kind, -qv))
    # Parents first, so the foreign keys hold at every statement.
    w.orders.write(orders)
    w.lines.write(lines)
    w.transitions.write(transitions)
    w.refunds.write(refunds)
    w.refund_lines.write(refund_lines)
    w.events.write(events)
    w.entries.write(entries)
    return first_id


def _bind_customers(customer_ids: set[int], first_order_id: int) -> None:
    """Spec 3.4: a customer not bound yet is bound to the partner of their first
    (earliest paid) attributed order in this import. Already bound customers
    stay bound; the imported attribution stands as history."""
    first = (
        Order.objects.filter(customer=OuterRef("pk"), pk__gte=first_order_id, external_id__isnull=False,
                             attributed_partner__isnull=False)
        .exclude(attribution=Order.Attribution.SELF)
        .order_by("paid_at", "pk")
    )
    ids = sorted(set(customer_ids))
    for i in range(0, len(ids), 900):
        Customer.objects.filter(pk__in=ids[i : i + 900], bound_partner__isnull=True).update(
            bound_partner=Subquery(first.values("attributed_partner")[:1]),
            bound_at=Subquery(first.values("placed_at")[:1]),
        )


def _recompute(periods, *, progress: bool) -> list[str]:
    done = []
    for period in sorted(periods, key=lambda p: p.start):
        callback = progress_callback(desc=_("recomputing %(period)s") % {"period": period.label}, enabled=progress)
        try:
            period_recompute(period=period, progress=callback)
        finally:
            if callback is not None:
                callback.close()
        done.append(period.label)
    return done


# -- export -----------------------------------------------------------------------


def period_parse(value: str) -> date:
    """'2026-10' -> date(2026, 10, 1); ValidationError otherwise."""
    try:
        year, month = value.split("-")
        if len(year) != 4 or len(month) != 2:
            raise ValueError
        return date(int(year), int(month), 1)
    except ValueError:
        raise ValidationError(_("“%(value)s” is not a month; write it as YYYY-MM, e.g. 2026-10.") % {"value": value}) from None


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
            partner=OuterRef("pk"), paid_as_level__gt=0,
            period__status=Period.Status.CLOSED, period__start__lte=period.start,
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
            "external_id", "slug", "stats__pv", "stats__customer_pv", "stats__own_pv", "stats__gv",
            "stats__paid_as_name", "title_rank",
        )
    )
    for ext, slug, pv, customer_pv, own_pv, gv, paid_as, title_rank in rows.iterator(chunk_size=chunk_size):
        yield [
            ext or "", slug, _two_places(pv), _two_places(customer_pv), _two_places(own_pv), _two_places(gv),
            paid_as or "", title_rank or "",
        ]
