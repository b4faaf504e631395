"""One partner and one customer taken through every feature of the product with
the real services, then erased; shared by tests/privacy/test_lifecycle_erasure.py
(SQLite, unit suite) and tests/integration/test_lifecycle_erasure_postgres.py
(PostgreSQL in CI).

The scenario runs on a standing clock (`clock(moment)`, tests/conftest.py) through
October 2026 and the close of that month in November, with the after-commit work
(notifications, invoices, webhook deliveries, exports) run at the end of each step
as the worker would run it."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Sum

from commissions.models import Statement
from dashboard.services import partner_profile_update
from demo.management.commands.seed_demo import COMMISSION_PLAN
from invoices.models import Invoice
from landing.services import campaign_create, landing_link_visit_record, landing_visits_flush
from orders.models import Customer, Order, Product
from orders.services import order_mark_paid, order_place, order_refund, order_ship
from partners.models import Partner
from partners.services import partner_enroll
from payouts.models import CreditNote, DebitCollection, OrderDebit, PayoutItem
from payouts.sepa import collection_date_earliest
from payouts.services import (
    bank_statement_import,
    debit_collection_approve,
    debit_collection_prepare,
    debit_collection_submit,
    payout_items_sync,
    payout_profile_save,
    payout_run_approve,
    payout_run_prepare,
)
from privacy.models import ErasureLog, ErasureRequest, ExportJob, Restriction
from privacy.services import (
    consent_record,
    erasure_request_approve,
    erasure_request_create,
    erasure_request_enter,
    export_job_build,
    export_job_create,
)
from qualification.models import PartnerPeriodStats, Period
from qualification.services import period_close, plan_load
from returns.models import Return
from returns.services import return_receive, withdrawal_declare
from subscriptions.payment import mandate_text
from subscriptions.services import subscription_create
from webhooks import transport
from webhooks.models import Delivery, Endpoint, EventType
from webhooks.services import webhook_endpoint_save

BERLIN = ZoneInfo("Europe/Berlin")
PASSWORD = "correct-horse-battery"
COMPANY_IBAN = "DE02120300000000202051"

# Everything that names the two people. Long and unusual enough that a hit in the
# dump is theirs, never a product, a rank or a word of the company.
PARTNER = {
    "first_name": "Annegret",
    "last_name": "Albrechtsen",
    "slug": "annegret-albrechtsen",
    "email": "annegret.albrechtsen@example.com",
    "phone": "+49 170 5551234",
    "iban": "DE89370400440532013000",
    "street": "Lindenweg 57",
    "account_holder": "Annegret Albrechtsen",
    "tax_number": "21/815/08150",
    "website_url": "https://annegret-albrechtsen.example.com/",
}
CUSTOMER = {
    "first_name": "Kunigunde",
    "last_name": "Kranichfeld",
    "email": "kunigunde.kranichfeld@example.org",
    "street": "Birkenallee 17",
    "iban": "DE75512108001245126199",
    "account_holder": "Kunigunde Kranichfeld",
}


def at(*args) -> datetime:
    return datetime(*args, tzinfo=BERLIN)


@dataclass
class World:
    partner: Partner
    customer: Customer
    admin_a: object
    admin_b: object
    runs: list = field(default_factory=list)
    orders: dict = field(default_factory=dict)
    webhook_bodies: list = field(default_factory=list)
    export_names: list = field(default_factory=list)

    def personal_values(self) -> dict[str, str]:
        """Every personal value of the two people, named 'who.what'. The IBAN also
        as printed (groups of four), as documents show it."""
        values = {f"partner.{k}": v for k, v in PARTNER.items()}
        values |= {f"customer.{k}": v for k, v in CUSTOMER.items()}
        for who, iban in (("partner", PARTNER["iban"]), ("customer", CUSTOMER["iban"])):
            values[f"{who}.iban_printed"] = " ".join(iban[i : i + 4] for i in range(0, 22, 4))
        values["partner.tax_number_digits"] = PARTNER["tax_number"].replace("/", "")
        values["partner.website_host"] = "annegret-albrechtsen.example.com"
        return values


def _camt(entries: str, *, day: str) -> bytes:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt>
<GrpHdr><MsgId>S-{day}</MsgId><CreDtTm>{day}T18:00:00</CreDtTm></GrpHdr>
<Stmt><Id>S-{day}</Id><Acct><Id><IBAN>{COMPANY_IBAN}</IBAN></Id></Acct>
{entries}</Stmt></BkToCstmrStmt></Document>""".encode()


def _credit_from_customer(order: Order, *, day: str, ref: str) -> str:
    return f"""<Ntry><Amt Ccy="EUR">{order.total}</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts>
<BookgDt><Dt>{day}</Dt></BookgDt><AcctSvcrRef>{ref}</AcctSvcrRef>
<NtryDtls><TxDtls><RltdPties><Dbtr><Pty><Nm>{CUSTOMER["account_holder"]}</Nm></Pty></Dbtr>
<DbtrAcct><Id><IBAN>{CUSTOMER["iban"]}</IBAN></Id></DbtrAcct></RltdPties>
<RmtInf><Ustrd>Bestellung {order.number} {CUSTOMER["last_name"]}</Ustrd></RmtInf>
</TxDtls></NtryDtls></Ntry>"""


def _batch_credit(batch_id: str, total, *, day: str, ref: str) -> str:
    return f"""<Ntry><Amt Ccy="EUR">{total}</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts>
<BookgDt><Dt>{day}</Dt></BookgDt><AcctSvcrRef>{ref}</AcctSvcrRef>
<NtryDtls><Btch><PmtInfId>{batch_id}</PmtInfId></Btch></NtryDtls></Ntry>"""


def _run_debit(run, *, day: str, ref: str) -> str:
    details = "".join(
        f"<TxDtls><Refs><EndToEndId>{entry.end_to_end_id}</EndToEndId></Refs>"
        f'<Amt Ccy="EUR">{entry.gross}</Amt>'
        f"<RltdPties><Cdtr><Pty><Nm>{entry.account_holder}</Nm></Pty></Cdtr>"
        f"<CdtrAcct><Id><IBAN>{entry.iban}</IBAN></Id></CdtrAcct></RltdPties></TxDtls>"
        for entry in run.entries.order_by("pk")
    )
    total = sum(entry.gross for entry in run.entries.all())
    return f"""<Ntry><Amt Ccy="EUR">{total}</Amt><CdtDbtInd>DBIT</CdtDbtInd><Sts>BOOK</Sts>
<BookgDt><Dt>{day}</Dt></BookgDt><AcctSvcrRef>{ref}</AcctSvcrRef>
<NtryDtls><Btch><PmtInfId>{run.payment_info_id}</PmtInfId>
<NbOfTxs>{run.entries.count()}</NbOfTxs></Btch>{details}</NtryDtls></Ntry>"""


class _Receiver:
    """The webhook receiver: takes every event (200), keeps the bodies."""

    def __init__(self):
        self.bodies: list[bytes] = []

    def post(self, url, *, body, headers, address=None):
        self.bodies.append(body)
        return transport.Response(status=200, text="ok")


def seed(*, clock: Callable[[datetime], None], after_commit, monkeypatch) -> World:
    """`after_commit()` is a context manager that runs the block's on_commit
    callbacks at its end (pytest-django's django_capture_on_commit_callbacks)."""
    receiver = _Receiver()
    monkeypatch.setattr(transport, "post", receiver.post)
    User = get_user_model()

    clock(at(2026, 10, 1, 9, 0))
    with after_commit():
        plan_load(data=COMMISSION_PLAN)
        admin_a = User.objects.create_superuser(email="admin-a@company.example", password=PASSWORD)
        admin_b = User.objects.create_superuser(email="admin-b@company.example", password=PASSWORD)
        webhook_endpoint_save(
            endpoint=Endpoint(
                url="https://93.184.216.34/mlm",
                events=[v for v in EventType.values if v != EventType.PING],
            )
        )
        vitality = Product.objects.create(
            name="Vitalkur",
            price=Decimal("300.00"),
            cv=Decimal("252.10"),
            qv=Decimal("100"),
            tax_class=Product.TaxClass.STANDARD,
            is_active=True,
        )
        sponsor = partner_enroll(
            email="sybille.sponsor@example.com",
            first_name="Sybille",
            last_name="Sponsor",
            slug="sybille",
            sponsor=None,
            password=PASSWORD,
            allow_root=True,
            terms_accepted=True,
        )
        partner = partner_enroll(
            email=PARTNER["email"],
            first_name=PARTNER["first_name"],
            last_name=PARTNER["last_name"],
            slug=PARTNER["slug"],
            sponsor=sponsor,
            password=PASSWORD,
            terms_accepted=True,
        )
        payout_profile_save(
            partner=sponsor,
            actor=sponsor.user,
            account_holder="Sybille Sponsor",
            iban="DE02100100100006820101",
            street="Am Markt 1",
            postal_code="50667",
            city="Köln",
            country="DE",
            tax_status="small_business",
            tax_number="21/815/08151",
            password=PASSWORD,
        )
        consent_record(accepted=True, text_version="2026-01")
        consent_record(accepted=False, text_version="2026-01")

    clock(at(2026, 10, 2, 10, 0))
    with after_commit():
        partner = partner_profile_update(
            partner=partner,
            first_name=PARTNER["first_name"],
            last_name=PARTNER["last_name"],
            message=f"Hallo, ich bin {PARTNER['first_name']} {PARTNER['last_name']} aus Köln.",
            website_url=PARTNER["website_url"],
            phone=PARTNER["phone"],
            share_contact=True,
        )
        campaign = campaign_create(partner=partner, name=f"{PARTNER['last_name'].lower()}-herbst")
        landing_link_visit_record(partner_id=partner.pk, campaign=campaign.name)
        landing_visits_flush()

    customer_data = {
        "email": CUSTOMER["email"],
        "first_name": CUSTOMER["first_name"],
        "last_name": CUSTOMER["last_name"],
        "street": CUSTOMER["street"],
        "postal_code": "10115",
        "city": "Berlin",
        "country": "DE",
        "partner_code": PARTNER["slug"],
    }
    orders = {}
    # Paid by bank transfer: the customer's credit on the bank statement is matched.
    clock(at(2026, 10, 5, 10, 0))
    with after_commit():
        orders["transfer"] = order_place(
            cart_lines={vitality.pk: 1}, customer_data=customer_data, payment_method="prepayment"
        )
    clock(at(2026, 10, 6, 18, 0))
    with after_commit():
        bank_statement_import(
            data=_camt(
                _credit_from_customer(orders["transfer"], day="2026-10-06", ref="K-1"),
                day="2026-10-06",
            ),
            file_name="oktober-06.xml",
        )
    # Paid, then refunded in full.
    clock(at(2026, 10, 7, 10, 0))
    with after_commit():
        orders["refunded"] = order_place(
            cart_lines={vitality.pk: 1}, customer_data=customer_data, payment_method="prepayment"
        )
        order_mark_paid(order=orders["refunded"], changed_by=admin_a)
    clock(at(2026, 10, 8, 10, 0))
    with after_commit():
        order_refund(
            order=orders["refunded"],
            changed_by=admin_a,
            reason=f"{CUSTOMER['first_name']} {CUSTOMER['last_name']} hat doppelt bestellt",
        )
    # The partner's own order (a customer with the partner's e-mail).
    with after_commit():
        orders["own"] = order_place(
            cart_lines={vitality.pk: 1},
            customer_data={
                **customer_data,
                "email": PARTNER["email"],
                "first_name": PARTNER["first_name"],
                "last_name": PARTNER["last_name"],
                "street": PARTNER["street"],
            },
            payment_method="prepayment",
        )
        order_mark_paid(order=orders["own"], changed_by=admin_a)
    # The sponsor's own order: her volume makes her Bronze, paid on her team.
    with after_commit():
        order_mark_paid(
            order=order_place(
                cart_lines={vitality.pk: 1},
                customer_data={
                    **customer_data,
                    "email": "sybille.sponsor@example.com",
                    "first_name": "Sybille",
                    "last_name": "Sponsor",
                    "street": "Am Markt 1",
                    "partner_code": "sybille",
                },
                payment_method="prepayment",
            ),
            changed_by=admin_a,
        )
    # Withdrawn after delivery: the return is received and refunded.
    clock(at(2026, 10, 9, 10, 0))
    with after_commit():
        orders["withdrawn"] = order_place(
            cart_lines={vitality.pk: 1}, customer_data=customer_data, payment_method="prepayment"
        )
        order_mark_paid(order=orders["withdrawn"], changed_by=admin_a)
        order_ship(order=orders["withdrawn"], changed_by=admin_a)
    clock(at(2026, 10, 12, 10, 0))
    with after_commit():
        withdrawal_declare(
            name=f"{CUSTOMER['first_name']} {CUSTOMER['last_name']}",
            email=CUSTOMER["email"],
            reference=orders["withdrawn"].number,
        )
    clock(at(2026, 10, 14, 10, 0))
    with after_commit():
        return_receive(ret=Return.objects.get(order=orders["withdrawn"]), received_by=admin_a)

    # A subscription with its SEPA mandate; the first debit is collected.
    clock(at(2026, 10, 15, 9, 0))
    with after_commit():
        subscription = subscription_create(
            lines={vitality.pk: 1},
            customer_data=customer_data,
            interval=1,
            first_date=date(2026, 10, 15),
            account_holder=CUSTOMER["account_holder"],
            iban=CUSTOMER["iban"],
            mandate_text=mandate_text(language="de"),
            language="de",
            today=date(2026, 10, 15),
        )
        orders["subscription"] = subscription.cycles.get().order
    debit = OrderDebit.objects.get(order=orders["subscription"])
    collection_date = max(debit.due_date, collection_date_earliest(today=date(2026, 10, 15)))
    with after_commit():
        collection = debit_collection_prepare(
            collection_date=collection_date, actor=admin_a, today=date(2026, 10, 15)
        )
        collection = debit_collection_approve(
            collection=collection, actor=admin_b, today=date(2026, 10, 15)
        )
        collection = debit_collection_submit(collection=collection, actor=admin_b)
    clock(at(collection_date.year, collection_date.month, collection_date.day, 18, 0))
    with after_commit():
        day = collection_date.isoformat()
        bank_statement_import(
            data=_camt(
                "".join(
                    _batch_credit(batch["id"], batch["total"], day=day, ref=f"L-{n}")
                    for n, batch in enumerate(DebitCollection.objects.get(pk=collection.pk).batches)
                ),
                day=day,
            ),
            file_name="lastschriften.xml",
        )

    # The month is closed: statements. The first payout run (prepared by admin A,
    # approved by admin B) leaves the partner out (no bank details yet); she gives
    # them, and the second run pays her. The bank's statement books both runs.
    clock(at(2026, 11, 2, 9, 0))
    with after_commit():
        period_close(period=Period.objects.get(start=date(2026, 10, 1)), closed_by=admin_a)
        payout_items_sync()
        first_run = payout_run_prepare(actor=admin_a)
    clock(at(2026, 11, 2, 11, 0))
    with after_commit():
        first_run = payout_run_approve(run=first_run, actor=admin_b)
        payout_profile_save(
            partner=partner,
            actor=partner.user,
            account_holder=PARTNER["account_holder"],
            iban=PARTNER["iban"],
            street=PARTNER["street"],
            postal_code="50667",
            city="Köln",
            country="DE",
            tax_status="small_business",
            tax_number=PARTNER["tax_number"],
            password=PASSWORD,
        )
    clock(at(2026, 11, 3, 9, 0))
    with after_commit():
        run = payout_run_prepare(actor=admin_a)
    clock(at(2026, 11, 3, 11, 0))
    with after_commit():
        run = payout_run_approve(run=run, actor=admin_b)
    clock(at(2026, 11, 4, 18, 0))
    with after_commit():
        bank_statement_import(
            data=_camt(
                _run_debit(first_run, day="2026-11-04", ref="P-1")
                + _run_debit(run, day="2026-11-04", ref="P-2"),
                day="2026-11-04",
            ),
            file_name="november-04.xml",
        )

    # Each asks for their data first (an export), then to be forgotten.
    clock(at(2026, 11, 10, 9, 0))
    with after_commit():
        for kind, subject_id in (
            ("partner", partner.pk),
            ("customer", orders["transfer"].customer_id),
        ):
            job = export_job_create(subject_kind=kind, subject_id=subject_id, requested_by=admin_a)
            export_job_build(job_id=job.pk)
    partner.refresh_from_db()
    world = World(
        partner=partner,
        customer=Customer.objects.get(pk=orders["transfer"].customer_id),
        admin_a=admin_a,
        admin_b=admin_b,
        runs=[first_run, run],
        orders=orders,
    )
    world.webhook_bodies = receiver.bodies
    world.export_names = [job.file.name for job in ExportJob.objects.order_by("pk")]
    return world


def check_seeded(world: World) -> None:
    """The scenario reached every feature (else the erasure proves little)."""
    assert PayoutItem.objects.filter(partner=world.partner, status="paid").exists()
    first_run, _second = world.runs
    assert [entry.item.partner_id for entry in first_run.entries.all()] != [world.partner.pk]
    assert [s["item"] for s in first_run.skipped] == [
        PayoutItem.objects.get(partner=world.partner).pk
    ]
    assert CreditNote.objects.filter(partner=world.partner).exists()
    assert Statement.objects.filter(partner=world.partner, payout__gt=0).exists()
    assert OrderDebit.objects.filter(
        order__customer=world.customer, status=OrderDebit.Status.COLLECTED
    ).exists()
    assert Invoice.objects.filter(order__customer=world.customer).count() >= 3
    assert Delivery.objects.filter(status=Delivery.Status.SUCCEEDED).exists()
    assert ExportJob.objects.filter(status=ExportJob.Status.DONE).count() == 2
    statuses = dict(Order.objects.values_list("pk", "status"))
    assert statuses[world.orders["refunded"].pk] == Order.Status.REFUNDED
    assert statuses[world.orders["transfer"].pk] == Order.Status.PAID


def erase(world: World, *, after_commit) -> list:
    """The partner asks from the dashboard; the customer's letter is entered by
    admin A; admin B approves both."""
    logs = []
    with after_commit():
        partner_request = erasure_request_create(partner=world.partner, password=PASSWORD)
        customer_request = erasure_request_enter(
            subject_kind="customer", subject_id=world.customer.pk, actor=world.admin_a
        )
    for request in (partner_request, customer_request):
        with after_commit():
            logs += erasure_request_approve(request=request, actor=world.admin_b)
    return logs


def export_files(world: World) -> list[str]:
    """The two people's export ZIPs that are in private storage."""
    storage = ExportJob._meta.get_field("file").storage
    return sorted(name for name in world.export_names if storage.exists(name))


def map_paths_resolve() -> None:
    """Run every subject and retention lookup of the privacy map against the
    database (a lookup naming no field, or a JSON path the database cannot
    compare, fails here rather than in the erasure of the first person who has
    such a row)."""
    from privacy import registry

    for place in registry.places():
        for kind, lookup, *by in place.subject:
            value = "x" if by else 1
            list(place.model.objects.filter(**{lookup: value}).values_list("pk", flat=True)[:1])
            list(place.rows(kind=kind, subject_id=1, email="x@invalid", slug="x")[:1])
        if place.retention:
            list(place.model.objects.values_list(place.retention.date, flat=True)[:1])


def totals() -> dict:
    """The business figures an erasure must leave alone."""
    return {
        "orders": Order.objects.aggregate(total=Sum("total"), qv=Sum("qv"), n=models.Count("pk")),
        "period_volumes": list(
            PartnerPeriodStats.objects.order_by("period__start", "partner_id").values_list(
                "period__start", "partner_id", "pv", "gv"
            )
        ),
        "statements": list(
            Statement.objects.order_by("pk").values_list("pk", "partner_id", "total", "payout")
        ),
        "credit_notes": list(
            CreditNote.objects.order_by("pk").values_list("number", "gross", "net", "vat")
        ),
        "invoices": list(Invoice.objects.order_by("pk").values_list("number", "total", "kind")),
    }


def restricted_cells() -> set[tuple[str, int, str]]:
    """(model label, pk, field) kept under restriction by the privacy map."""
    from privacy import registry

    cells = set()
    for restriction in Restriction.objects.filter(scrubbed_at__isnull=True):
        place = registry.place(restriction.model_label)
        for name in place.retention.fields:
            cells.add((place.model._meta.label, restriction.object_id, name))
    return cells


def _text(value) -> str:
    if isinstance(value, memoryview):
        value = bytes(value)
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, dict | list):
        return json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False)
    return "" if value is None else str(value)


def database_dump() -> Iterator[tuple[str, int, str, str]]:
    """Every value of every row of every model of every installed app, as text:
    (model label, pk, field, value)."""
    for model in apps.get_models(include_auto_created=True):
        if model._meta.proxy or not model._meta.managed:
            continue
        names = [f.attname for f in model._meta.concrete_fields]
        for row in model._base_manager.values_list("pk", *names).iterator():
            pk, *values = row
            for name, value in zip(names, values, strict=True):
                yield model._meta.label, pk, name, _text(value)


def leaks(world: World) -> list[str]:
    """Where a personal value of the two people is still stored outside the
    restricted retention cells."""
    values = world.personal_values()
    kept = restricted_cells()
    found = []
    for label, pk, name, text in database_dump():
        if (label, pk, name) in kept or not text:
            continue
        lowered = text.lower()
        for what, value in values.items():
            if value.lower() in lowered:
                found.append(f"{label}#{pk}.{name}: {what}")
    return sorted(set(found))


def restricted_hold_personal_values(world: World) -> list[str]:
    """The restricted cells hold what retention law keeps (the order's name,
    the credit note's recipient): shown to say the dump check is not vacuous."""
    values = world.personal_values()
    kept = restricted_cells()
    return sorted(
        {
            f"{label}.{name}"
            for label, pk, name, text in database_dump()
            if (label, pk, name) in kept and any(v.lower() in text.lower() for v in values.values())
        }
    )


def erase_and_check(world: World, *, after_commit) -> None:
    """The checks both variants make (unit suite and PostgreSQL)."""
    check_seeded(world)
    map_paths_resolve()
    before = totals()
    assert leaks(world), "the dump must see the two people before their erasure"
    assert len(export_files(world)) == 2

    erase(world, after_commit=after_commit)

    statuses = set(ErasureRequest.objects.values_list("status", flat=True))
    assert statuses == {ErasureRequest.Status.EXECUTED}, statuses
    assert ErasureLog.objects.filter(subject_kind="partner", subject_id=world.partner.pk).exists()
    assert ErasureLog.objects.filter(subject_kind="customer", subject_id=world.customer.pk).exists()
    found = leaks(world)
    assert not found, "personal data left after the erasure:\n" + "\n".join(found)
    after = totals()
    assert after == before, f"the books changed:\n{before}\n{after}"
    assert restricted_hold_personal_values(world), "retention keeps the documents, restricted"
    assert export_files(world) == [], "the exports go with the erasure"
