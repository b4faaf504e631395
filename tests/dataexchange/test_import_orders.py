from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from orders.models import Customer, Order, OrderEvent, OrderLine, Refund, RefundLine
from qualification.models import PartnerPeriodStats, PendingVolume, Period, VolumeEntry
from tests.factories import CustomerFactory, PartnerFactory

HEADER = [
    "external_id",
    "customer_email",
    "partner_external_id",
    "paid_at",
    "currency",
    "total",
    "qv",
    "refunded_at",
]
UTC = ZoneInfo("UTC")

pytestmark = pytest.mark.django_db


@pytest.fixture
def team(db):
    """anna > ben, with external ids."""
    anna = PartnerFactory(slug="anna", email="anna@example.com", external_id="P-anna")
    ben = PartnerFactory(slug="ben", email="ben@example.com", external_id="P-ben", sponsor=anna)
    return anna, ben


def order(
    ext,
    partner="P-ben",
    email=None,
    paid_at="2026-10-10T10:00:00+02:00",
    total="125.00",
    qv="100",
    **kw,
):
    values = {
        "external_id": ext,
        "customer_email": email or f"kunde-{ext.lower()}@example.org",
        "partner_external_id": partner,
        "paid_at": paid_at,
        "currency": "EUR",
        "total": total,
        "qv": qv,
        "refunded_at": "",
    }
    values.update(kw)
    return values


def stats(slug, month=date(2026, 10, 1)):
    row = PartnerPeriodStats.objects.filter(partner__slug=slug, period__start=month).first()
    return (row.pv, row.customer_pv, row.own_pv, row.gv) if row else None


def ledger():
    return sorted(
        VolumeEntry.objects.values_list(
            "order__external_id",
            "order_event__key",
            "line_no",
            "period__start",
            "partner__slug",
            "kind",
            "qv",
        )
    )


def counts():
    return {
        m.__name__: m.objects.count()
        for m in (
            Customer,
            Order,
            OrderLine,
            OrderEvent,
            Refund,
            RefundLine,
            VolumeEntry,
            PartnerPeriodStats,
        )
    }


def test_imported_orders_become_volume_of_the_partner_and_upline(csv_file, run, team):
    # given two customer orders for ben and an own order of anna
    path = csv_file(
        HEADER,
        [
            order("O-1"),
            order("O-2", qv="50.50", total="60.00"),
            order("O-3", partner="P-anna", email="Anna@Example.com", qv="30"),
        ],
    )
    # when imported
    out = run("import_orders", path)
    # then ben has customer PV, anna own PV, and her GV includes ben's
    assert "Imported 3 order(s)" in out and "2026-10" in out
    assert stats("ben") == (Decimal("150.50"), Decimal("150.50"), Decimal("0"), Decimal("150.50"))
    assert stats("anna") == (Decimal("30"), Decimal("0"), Decimal("30"), Decimal("180.50"))
    o1 = Order.objects.get(external_id="O-1")
    assert (o1.status, o1.attribution, o1.total, o1.qv) == (
        "paid",
        "import",
        Decimal("125.00"),
        Decimal("100"),
    )
    assert o1.paid_at == datetime(2026, 10, 10, 8, tzinfo=UTC)
    line = o1.lines.get()
    assert (line.name, line.quantity, line.unit_price, line.unit_qv) == (
        "Import",
        1,
        Decimal("125.00"),
        Decimal("100"),
    )
    assert Order.objects.get(external_id="O-3").attribution == "self"
    # recomputed once at the end: nothing left in the queue
    assert not PendingVolume.objects.exists()


def test_first_attributed_order_binds_the_customer_and_a_bound_customer_stays_bound(
    csv_file, run, team
):
    anna, ben = team
    CustomerFactory(email="treu@example.org", bound_partner=anna)
    path = csv_file(
        HEADER,
        [
            order("O-1", email="neu@example.org", paid_at="2026-10-12T10:00:00+02:00"),
            order(
                "O-2",
                partner="P-anna",
                email="neu@example.org",
                paid_at="2026-10-11T10:00:00+02:00",
            ),
            order("O-3", email="treu@example.org"),
            order("O-4", partner="P-ben", email="ben@example.com"),
            order("O-5", partner="", email="firma@example.org"),
        ],
    )
    run("import_orders", path)
    # the earliest attributed order (anna's, paid first) binds the new customer
    assert Customer.objects.get(email="neu@example.org").bound_partner == anna
    # a customer bound to anna keeps her; the imported order still counts for ben (history)
    assert Customer.objects.get(email="treu@example.org").bound_partner == anna
    assert Order.objects.get(external_id="O-3").attributed_partner == ben
    # an own order and a company order bind nobody
    assert Customer.objects.get(email="ben@example.com").bound_partner is None
    o5 = Order.objects.get(external_id="O-5")
    assert o5.attributed_partner is None and o5.attribution == "none"
    assert Customer.objects.get(email="firma@example.org").bound_partner is None


def test_refunded_order_nets_to_zero_in_the_same_month(csv_file, run, team):
    run(
        "import_orders",
        csv_file(
            HEADER,
            [
                order("O-1", qv="80", refunded_at="2026-10-20T10:00:00+02:00"),
                order("O-2", qv="10"),
            ],
        ),
    )
    assert stats("ben") == (Decimal("10"), Decimal("10"), Decimal("0"), Decimal("10"))
    o1 = Order.objects.get(external_id="O-1")
    refund = Refund.objects.get(order=o1)
    assert o1.status == "refunded" and refund.is_full and refund.qv == Decimal("80")
    assert o1.lines.get().refunded_quantity == 1 and refund.lines.get().quantity == 1
    assert sorted(o1.events.values_list("kind", "key")) == [
        ("paid", "paid"),
        ("refunded", f"refund:{refund.pk}"),
    ]
    assert [(e[1], e[3], e[6]) for e in ledger() if e[0] == "O-1"] == [
        ("paid", date(2026, 10, 1), Decimal("80.00")),
        (f"refund:{refund.pk}", date(2026, 10, 1), Decimal("-80.00")),
    ]


def test_order_paid_late_on_the_last_day_in_utc_belongs_to_the_next_berlin_month(
    csv_file, run, team
):
    run("import_orders", csv_file(HEADER, [order("O-1", paid_at="2026-10-31T23:30:00+00:00")]))
    assert stats("ben") is None
    assert stats("ben", date(2026, 11, 1))[0] == Decimal("100")


def test_order_in_a_closed_period_is_refused(csv_file, run, team):
    Period.objects.create(start=date(2026, 9, 1), status=Period.Status.CLOSED)
    error = run.refused(
        "import_orders",
        csv_file(HEADER, [order("O-1"), order("O-2", paid_at="2026-09-30T12:00:00+02:00")]),
    )
    assert (
        "line 3, column paid_at: period 2026-09 is closed; its volume cannot change any more."
        in error
    )
    assert not Order.objects.exists()


def test_every_bad_row_is_listed_and_nothing_is_written(csv_file, run, team):
    path = csv_file(
        HEADER,
        [
            order("O-1"),  # 2 ok
            order("O-2", email="kein-mail"),  # 3
            order("O-1"),  # 4 duplicate
            order("O-4", paid_at="2026-10-10T10:00:00"),  # 5 naive
            order("O-5", paid_at="2026-10-10"),  # 6 date only
            order("O-6", qv="-1"),  # 7 negative qv
            order("O-7", currency="Euro"),  # 8
            order("O-8", partner="P-nobody"),  # 9
            order("O-9", refunded_at="2026-10-01T10:00:00+02:00"),  # 10 refund before payment
            order("O-10", total="12.345"),  # 11
            order("O-11", paid_at="2099-01-01T10:00:00+01:00"),  # 12 future
            order("O-12", refunded_at="2026-10-20T10:00:00"),  # 13 naive refund
            order("O-13", qv="viel"),  # 14
        ],
    )
    error = run.refused("import_orders", path)
    for message in [
        "line 3, column customer_email: “kein-mail” is not a valid e-mail address.",
        "line 4, column external_id: “O-1” appears twice in the file (first on line 2).",
        "line 5, column paid_at: “2026-10-10T10:00:00” has no UTC offset",
        "line 6, column paid_at: “2026-10-10” is a date; a date-time with offset is needed",
        "line 7, column qv: “-1” is below 0.",
        "line 8, column currency: “Euro” is not an ISO 4217 currency code",
        "line 9, column partner_external_id: no partner with external_id “P-nobody”; import the partners first.",
        "line 10, column refunded_at: the refund (2026-10-01T10:00:00+02:00) cannot be before the payment",
        "line 11, column total: “12.345” has more than 2 decimal places.",
        "line 12, column paid_at: “2099-01-01T10:00:00+01:00” lies in the future.",
        "line 13, column refunded_at: “2026-10-20T10:00:00” has no UTC offset",
        "line 14, column qv: “viel” is not a decimal number",
    ]:
        assert message in error
    assert error.startswith("12 problem(s)")
    assert counts() == {k: 0 for k in counts()}


def test_unknown_and_missing_columns_are_refused(csv_file, run, team):
    error = run.refused("import_orders", csv_file(HEADER + ["note"], [order("O-1", note="x")]))
    assert "line 1: unknown column(s) “note”" in error
    error = run.refused(
        "import_orders",
        csv_file([h for h in HEADER if h not in ("qv", "currency")], [order("O-1")]),
    )
    assert "line 1: required column(s) missing: “currency”, “qv”." in error
    assert not Order.objects.exists()


def test_reimporting_the_same_file_changes_nothing(csv_file, run, team):
    path = csv_file(
        HEADER,
        [
            order("O-1"),
            order("O-2", refunded_at="2026-10-20T10:00:00+02:00"),
            order("O-3", partner=""),
        ],
    )
    run("import_orders", path)
    before_counts, before_ledger, before_stats = counts(), ledger(), stats("anna")
    out = run("import_orders", path)
    assert "Imported 0 order(s); 3 already imported and unchanged" in out
    assert counts() == before_counts and ledger() == before_ledger and stats("anna") == before_stats


def test_reimport_with_other_data_is_refused(csv_file, run, team):
    run("import_orders", csv_file(HEADER, [order("O-1"), order("O-2")]))
    error = run.refused(
        "import_orders", csv_file(HEADER, [order("O-1", qv="99"), order("O-2", partner="P-anna")])
    )
    assert (
        "line 2, column external_id: “O-1” was already imported with other data (qv differ)"
        in error
    )
    assert (
        "line 3, column external_id: “O-2” was already imported with other data (partner_external_id differ)"
        in error
    )


def test_imported_order_has_the_rows_a_live_payment_and_refund_would_make(csv_file, run, team):
    from orders.services import order_mark_paid, order_refund
    from tests.factories import OrderFactory

    anna, ben = team
    # given the same order once imported and once paid and refunded live
    run(
        "import_orders",
        csv_file(HEADER, [order("O-1", qv="80", refunded_at="2026-10-20T10:00:00+02:00")]),
    )
    live = OrderFactory(
        attributed_partner=ben, qv_total=Decimal("80"), price_total=Decimal("125.00")
    )
    order_mark_paid(order=live, paid_at=datetime(2026, 10, 10, 8, tzinfo=UTC))
    order_refund(order=live, refunded_at=datetime(2026, 10, 20, 8, tzinfo=UTC))

    def shape(o):
        return sorted(
            (
                e.order_event.kind,
                e.order_event.key.split(":")[0],
                e.line_no,
                e.period.start,
                e.partner_id,
                e.kind,
                e.qv,
            )
            for e in VolumeEntry.objects.filter(order=o).select_related("order_event", "period")
        )

    imported = Order.objects.get(external_id="O-1")
    assert shape(imported) == shape(live)
    assert imported.events.get(kind="refunded").refund == imported.refunds.get()


def test_imported_order_can_be_refunded_live_later(csv_file, run, team):
    from orders.services import order_refund
    from qualification.services import volume_apply_pending

    run("import_orders", csv_file(HEADER, [order("O-1", qv="80"), order("O-2", qv="20")]))
    imported = Order.objects.get(external_id="O-1")
    order_refund(order=imported, refunded_at=datetime(2026, 11, 2, 8, tzinfo=UTC))
    volume_apply_pending(period=Period.objects.get(start=date(2026, 10, 1)))
    assert stats("ben")[0] == Decimal("20")
    assert Order.objects.get(external_id="O-1").status == "refunded"


def test_reimport_after_an_admin_reattributed_an_order_changes_nothing(csv_file, run, team):
    from orders.services import order_reattribute

    anna, ben = team
    path = csv_file(HEADER, [order("O-1")])
    run("import_orders", path)
    order_reattribute(
        order=Order.objects.get(external_id="O-1"),
        partner=anna,
        changed_by=None,
        reason="Kundin wollte das",
    )
    before = ledger()
    out = run("import_orders", path)
    assert "Imported 0 order(s); 1 already imported and unchanged" in out
    assert ledger() == before


def test_an_imported_order_books_what_the_live_receiver_books_for_the_same_order(
    csv_file, run, team, django_capture_on_commit_callbacks
):
    # given the same orders once live (paid, then refunded) and once in a file
    from orders.services import order_mark_paid, order_refund
    from tests.factories import CustomerFactory, OrderFactory

    anna, _ben = team
    paid_at = datetime(2026, 10, 10, 10, tzinfo=UTC)
    refunded_at = datetime(2026, 10, 12, 10, tzinfo=UTC)
    cases = [
        ("customer", "kunde@example.org", anna),
        ("own", " ANNA@example.com", anna),
        ("company", "x@example.org", None),
    ]
    live = {}
    for name, email, partner in cases:
        customer = CustomerFactory(email=email.strip().lower())
        order_ = OrderFactory(customer=customer, attributed_partner=partner, qv_total=Decimal("40"))
        with django_capture_on_commit_callbacks(execute=True):
            order_mark_paid(order=order_, paid_at=paid_at)
            order_refund(order=order_, refunded_at=refunded_at)
        live[name] = sorted(
            VolumeEntry.objects.filter(order=order_).values_list(
                "period__start", "partner", "kind", "qv"
            )
        )
    path = csv_file(
        HEADER,
        [
            order(
                f"O-{name}",
                partner="P-anna" if partner else "",
                email=email,
                qv="40",
                paid_at=paid_at.isoformat(),
                refunded_at=refunded_at.isoformat(),
            )
            for name, email, partner in cases
        ],
    )
    # when imported
    run("import_orders", path)
    # then each imported order has the live order's ledger lines
    for name, _email, _partner in cases:
        imported = sorted(
            VolumeEntry.objects.filter(order__external_id=f"O-{name}").values_list(
                "period__start", "partner", "kind", "qv"
            )
        )
        assert imported == live[name], name
    assert live["own"][0][2] == "own" and live["customer"][0][2] == "customer"
