"""The events of commissions, payouts and ranks reach the outbox in the
transaction of their change, with ids and amounts and no personal data."""

import json

import pytest
from django.contrib.auth.models import Permission
from django.db import transaction

from commissions.models import Statement
from payouts.models import PayoutItem
from payouts.services import (
    payout_item_return,
    payout_run_approve,
    payout_run_mark_paid,
    payout_run_prepare,
)
from qualification.models import PartnerTitle, Period
from qualification.services import period_close, period_recompute
from tests.commissions.conftest import berlin, committed, plan, sell  # noqa: F401 - fixtures
from tests.factories import PartnerFactory, UserFactory
from tests.payouts.conftest import IBAN, item_for  # noqa: F401 - fixture
from webhooks import tasks
from webhooks.models import Delivery, Message
from webhooks.services import webhook_delivery_attempt, webhook_events_record

pytestmark = pytest.mark.django_db

PERSONAL = [
    b"Anna",
    b"Albers",
    b"Ben",
    b"Brandt",
    b"Cleo",
    b"Lindenweg",
    b"K\\u00f6ln",
    b"example.com",
]


class Boom(Exception):
    pass


def bodies(event_type):
    return [
        json.loads(json.dumps(m.payload))
        for m in Message.objects.filter(event_type=event_type).order_by("pk")
    ]


def assert_no_personal_data():
    for message in Message.objects.all():
        raw = json.dumps(message.payload, ensure_ascii=True).encode()
        for word in [*PERSONAL, IBAN.encode()]:
            assert word not in raw, (message.event_type, word)


@pytest.fixture
def team(plan):  # noqa: F811 - the imported fixture
    anna = PartnerFactory(slug="anna", first_name="Anna", last_name="Albers")
    ben = PartnerFactory(slug="ben", first_name="Ben", last_name="Brandt", sponsor=anna)
    cleo = PartnerFactory(slug="cleo", first_name="Cleo", last_name="Claus", sponsor=ben)
    return anna, ben, cleo


@pytest.fixture
def closable(team, sell):  # noqa: F811
    anna, ben, cleo = team
    sell(anna, 100, "100.00", berlin(2026, 9, 5))
    sell(ben, 150, "150.00", berlin(2026, 9, 5))
    sell(cleo, 200, "200.00", berlin(2026, 9, 5))
    period = Period.objects.get(start="2026-09-01")
    period_recompute(period=period)
    return period


# --- commission.statement_issued and partner.rank_changed at the close ----------------


def test_closing_a_period_issues_one_statement_event_per_statement(endpoint, closable):
    endpoint(events=["commission.statement_issued"])

    period_close(period=closable)

    events = {b["partner"]["slug"]: b for b in bodies("commission.statement_issued")}
    statements = {s.partner.slug: s for s in Statement.objects.select_related("partner")}
    assert set(events) == set(statements) == {"anna", "ben", "cleo"}
    anna = events["anna"]
    assert anna["statement_id"] == statements["anna"].pk
    assert anna["partner"] == {"id": statements["anna"].partner_id, "slug": "anna"}
    assert anna["period"] == {"id": closable.pk, "label": "2026-09"}
    assert (anna["total"], anna["payout"], anna["carried_out"]) == ("137.00", "137.00", "0.00")
    assert anna["paid_as_rank"] == "Silver"
    assert Delivery.objects.filter(status="pending").count() == 3
    assert_no_personal_data()


def test_close_rolled_back_leaves_no_statement_or_rank_events(endpoint, closable):
    endpoint(events=["commission.statement_issued", "partner.rank_changed"])

    with pytest.raises(Boom), transaction.atomic():
        period_close(period=closable)
        assert Message.objects.count() == 6  # 3 statements, 3 title ranks
        raise Boom

    assert Message.objects.count() == 0
    assert Delivery.objects.count() == 0
    assert Statement.objects.count() == 0


def test_title_ranks_raised_at_the_close_become_rank_changed_events(endpoint, closable, team):
    anna, ben, cleo = team
    endpoint(events=["partner.rank_changed"])
    # ben holds Silver already: no change for him.
    PartnerTitle.objects.create(partner=ben, level=2, name="Silver", achieved_in=closable)

    period_close(period=closable)

    events = {b["partner"]["slug"]: b for b in bodies("partner.rank_changed")}
    assert set(events) == {"anna", "cleo"}
    assert events["anna"] == {
        "partner": {"id": anna.pk, "slug": "anna"},
        "kind": "title",
        "old_level": 0,
        "old_rank": "",
        "new_level": 2,
        "new_rank": "Silver",
        "period": {"id": closable.pk, "label": "2026-09"},
    }
    assert (events["cleo"]["new_level"], events["cleo"]["new_rank"]) == (1, "Bronze")
    assert_no_personal_data()


def test_close_without_subscribers_records_no_statement_or_rank_events(
    endpoint, closable, monkeypatch
):
    endpoint(events=["order.paid", "period.closed"])
    from commissions import services as commission_services

    def must_not_build(period):
        raise AssertionError("payloads built for nobody")

    monkeypatch.setattr(commission_services, "_statement_issued_payloads", must_not_build)

    period_close(period=closable)

    assert list(Message.objects.values_list("event_type", flat=True)) == ["period.closed"]
    assert Statement.objects.count() == 3


# --- payout.paid and payout.returned ---------------------------------------------------


def admin_with(*codenames):
    user = UserFactory(is_staff=True)
    user.user_permissions.add(*Permission.objects.filter(codename__in=codenames))
    return user


@pytest.fixture
def approved_run(item_for):  # noqa: F811
    anna = PartnerFactory(slug="anna", first_name="Anna", last_name="Albers")
    ben = PartnerFactory(slug="ben", first_name="Ben", last_name="Brandt")
    items = [item_for(anna, payout="100.00"), item_for(ben, payout="50.00")]
    run = payout_run_prepare(actor=admin_with("prepare_payoutrun"))
    run = payout_run_approve(run=run, actor=admin_with("approve_payoutrun"))
    return run, items


def test_marking_a_run_paid_records_one_payout_paid_event_per_item(endpoint, approved_run):
    run, (anna_item, ben_item) = approved_run
    endpoint(events=["payout.paid"])

    payout_run_mark_paid(run=run)

    events = {b["partner"]["slug"]: b for b in bodies("payout.paid")}
    assert set(events) == {"anna", "ben"}
    anna_item.refresh_from_db()
    anna = events["anna"]
    assert anna["item_id"] == anna_item.pk and anna["run_id"] == run.pk
    assert anna["amount"] == str(anna_item.credit_note.gross)
    assert anna["credit_note_number"] == anna_item.credit_note.number
    assert anna["period"]["label"] == "2026-10"
    assert anna["paid_at"] is not None and "return_reason" not in anna
    assert_no_personal_data()


def test_payout_paid_events_roll_back_with_the_run(endpoint, approved_run):
    run, _items = approved_run
    endpoint(events=["payout.paid"])

    with pytest.raises(Boom), transaction.atomic():
        payout_run_mark_paid(run=run)
        assert Message.objects.count() == 2
        raise Boom

    assert Message.objects.count() == 0
    assert set(PayoutItem.objects.values_list("status", flat=True)) == {"in_run"}


def test_a_returned_transfer_records_payout_returned_with_the_reason(endpoint, approved_run):
    run, (anna_item, _ben_item) = approved_run
    endpoint(events=["payout.returned"])
    payout_run_mark_paid(run=run)

    payout_item_return(item=anna_item, reason="ac04")

    (event,) = bodies("payout.returned")
    assert event["item_id"] == anna_item.pk
    assert event["partner"]["slug"] == "anna"
    assert event["return_reason"] == "AC04"
    assert event["returned_at"] is not None
    assert_no_personal_data()


def test_payouts_without_subscribers_record_nothing(endpoint, approved_run):
    run, (anna_item, _ben_item) = approved_run
    endpoint(events=["order.paid"])

    payout_run_mark_paid(run=run)
    payout_item_return(item=anna_item, reason="AC04")

    assert Message.objects.count() == 0


# --- the bulk form ---------------------------------------------------------------------


def test_bulk_record_writes_every_event_and_hands_deliveries_over_in_chunks(
    endpoint, receiver, monkeypatch, django_capture_on_commit_callbacks
):
    endpoint(events=["payout.paid"])
    endpoint(url="https://crm.example.net/x", events=["payout.paid", "order.paid"])
    chunks = []
    monkeypatch.setattr(tasks.enqueue_webhook_deliveries, "delay", chunks.append)
    monkeypatch.setattr("webhooks.services.ENQUEUE_CHUNK", 3)
    monkeypatch.setattr("webhooks.services.BULK_BATCH", 2)

    with django_capture_on_commit_callbacks(execute=True):
        written = webhook_events_record(
            event_type="payout.paid", payloads=({"item_id": n} for n in range(5))
        )

    assert written == 5
    assert sorted(m.payload["item_id"] for m in Message.objects.all()) == [0, 1, 2, 3, 4]
    assert Message.objects.values("webhook_id").distinct().count() == 5
    assert Delivery.objects.count() == 10
    assert sorted(i for chunk in chunks for i in chunk) == sorted(
        Delivery.objects.values_list("pk", flat=True)
    )
    assert max(len(chunk) for chunk in chunks) == 3

    delivery = Delivery.objects.order_by("pk").first()
    assert webhook_delivery_attempt(delivery_id=delivery.pk).status == "succeeded"
    body = json.loads(receiver.requests[0]["body"])
    assert body["type"] == "payout.paid"
    assert body["data"] == {"item_id": delivery.message.payload["item_id"]}


def test_bulk_record_builds_nothing_without_subscribers(endpoint):
    endpoint(events=["order.paid"])

    def must_not_build():
        raise AssertionError("payloads built for nobody")

    assert webhook_events_record(event_type="payout.paid", payloads=must_not_build) == 0
    assert Message.objects.count() == 0
