"""Withdrawals and returns: what the customer, the partner and the books see."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from notifications.models import Notification
from orders.models import Order
from qualification.models import Period, VolumeEntry
from qualification.selectors import partner_stats
from qualification.services import period_close
from returns import services
from returns.models import Return, ReturnLog, Withdrawal
from tests.factories import UserFactory

from .conftest import berlin

pytestmark = pytest.mark.django_db

D = Decimal


def declare(order=None, **overrides):
    data = {
        "name": "Karla Kundin",
        "email": order.email if order else "karla@example.org",
        "reference": order.number if order else "2026-NOPE00",
    }
    data.update(overrides)
    return services.withdrawal_declare(**data)


def test_withdrawal_of_a_shipped_order_opens_a_return_of_everything_and_acknowledges_at_once(
    ordered, committed, mailoutbox, clock
):
    clock(berlin(2026, 10, 5, 9, 0))
    order = ordered()
    mailoutbox.clear()
    clock(berlin(2026, 10, 12, 14, 37))

    with committed():
        withdrawal = declare(order, email="  KARLA@Example.org ", reference=order.number.lower())

    withdrawal.refresh_from_db()
    assert withdrawal.status == Withdrawal.Status.OPEN
    assert withdrawal.order == order
    assert withdrawal.refund_due_on == date(2026, 10, 26)  # 14 days from the declaration
    ret = Return.objects.get(withdrawal=withdrawal)
    assert ret.reason == Return.Reason.WITHDRAWAL
    assert sorted((line.order_line.name, line.quantity) for line in ret.lines.all()) == [
        ("Creme", 2),
        ("Seife", 1),
    ]
    # the acknowledgement: content, date and time, at once
    [mail] = mailoutbox
    assert mail.to == ["karla@example.org"]
    assert "12.10.2026" in mail.subject
    assert "I hereby withdraw from the contract concluded by me" in mail.body
    assert "12.10.2026 14:37" in mail.body
    assert "Karla Kundin" in mail.body and order.number.lower() in mail.body
    assert "2 x Creme" in mail.body and "26.10.2026" in mail.body
    assert withdrawal.acknowledged_at is not None


def test_goods_received_in_full_refund_the_total_with_shipping_and_take_the_pv_back(
    ordered, committed, anna, mailoutbox
):
    order = ordered()
    period = Period.objects.get()
    assert partner_stats(partner=anna, period=period).pv == D("34")
    with committed():
        withdrawal = declare(order)
    ret = withdrawal.returns.get()
    warehouse = UserFactory(is_staff=True)
    mailoutbox.clear()

    with committed():
        refund = services.return_receive(ret=ret, received_by=warehouse)

    order.refresh_from_db()
    assert order.shipping == D("4.90")
    assert refund.amount == order.total == D("64.90")  # goods and the standard shipping
    assert order.status == Order.Status.REFUNDED
    assert partner_stats(partner=anna, period=period).pv == D("0")
    ret.refresh_from_db()
    assert ret.status == Return.Status.RECEIVED
    withdrawal.refresh_from_db()
    assert withdrawal.status == Withdrawal.Status.DONE
    log = list(ReturnLog.objects.filter(ret=ret))
    assert [(e.from_status, e.to_status) for e in log] == [("", "open"), ("open", "received")]
    assert log[1].actor == warehouse and log[1].refund == refund
    # the customer is told, and so is Anna
    # (besides the invoice and its correction, each with its own mail)
    [mail] = [m for m in mailoutbox if m.to == [order.email] and "has arrived" in m.subject]
    assert order.number in mail.subject and "64.90" in mail.body
    note = Notification.objects.get(partner=anna, kind="order_returned")
    assert note.params["qv"] == "34.00"
    from notifications.kinds import render

    assert render(note.kind, note.params) == f"Return of order {order.number}, -34 PV"


def test_goods_received_in_two_parcels_refund_each_and_the_shipping_with_the_last(
    ordered, committed, anna
):
    order = ordered()
    with committed():
        ret = declare(order).returns.get()
    cream_line = ret.lines.get(order_line__name="Creme")
    soap_line = ret.lines.get(order_line__name="Seife")

    with committed():
        first = services.return_receive(ret=ret, quantities={cream_line.pk: 1})
    ret.refresh_from_db()
    assert first.amount == D("24.00") and first.qv == D("12")
    assert ret.status == Return.Status.PARTLY_RECEIVED
    assert partner_stats(partner=anna, period=Period.objects.get()).pv == D("22")

    with committed():
        last = services.return_receive(ret=ret, quantities={cream_line.pk: 1, soap_line.pk: 1})
    assert last.amount == D("40.90")  # 24 + 12 + 4.90 shipping
    order.refresh_from_db()
    assert order.status == Order.Status.REFUNDED
    assert Notification.objects.filter(partner=anna, kind="order_returned").count() == 2


def test_a_partial_withdrawal_refunds_the_goods_but_not_the_shipping(ordered, committed):
    order = ordered()
    cream = order.lines.get(name="Creme")
    with committed():
        ret = services.return_open(
            order=order, reason=Return.Reason.WITHDRAWAL, quantities={cream.pk: 2}
        )
        refund = services.return_receive(ret=ret)
    assert refund.amount == D("48.00")
    order.refresh_from_db()
    assert order.status == Order.Status.SHIPPED


def test_receiving_more_than_expected_or_a_settled_return_is_refused_clearly(ordered, committed):
    order = ordered()
    with committed():
        ret = declare(order).returns.get()
    soap_line = ret.lines.get(order_line__name="Seife")
    with pytest.raises(ValidationError, match="only 1 more are expected"):
        services.return_receive(ret=ret, quantities={soap_line.pk: 2})
    with committed():
        services.return_receive(ret=ret)
    with pytest.raises(ValidationError, match="nothing more can be received"):
        services.return_receive(ret=ret)


def test_a_return_cannot_ask_for_more_than_is_left_to_return(ordered, committed):
    order = ordered()
    with committed():
        declare(order)  # everything is expected back already
    with pytest.raises(ValidationError, match="can be returned any more"):
        services.return_open(order=order, reason=Return.Reason.DEFECT)
    soap = order.lines.get(name="Seife")
    with pytest.raises(ValidationError, match="only 0 can still be returned"):
        services.return_open(order=order, reason=Return.Reason.DEFECT, quantities={soap.pk: 1})


def test_a_pending_order_has_no_goods_to_return(ordered):
    order = ordered(paid=False, shipped=False)
    with pytest.raises(ValidationError, match="Only paid or shipped orders can be returned"):
        services.return_open(order=order, reason=Return.Reason.DEFECT)


def test_closing_a_return_without_goods_needs_a_reason_and_refunds_nothing(ordered, committed):
    order = ordered()
    with committed():
        withdrawal = declare(order)
    ret = withdrawal.returns.get()
    with pytest.raises(ValidationError, match="Please say why"):
        services.return_cancel(ret=ret, note=" ")
    admin = UserFactory(is_staff=True)
    services.return_cancel(ret=ret, cancelled_by=admin, note="customer kept the goods")
    ret.refresh_from_db()
    assert ret.status == Return.Status.CANCELLED
    assert not order.refunds.exists()
    assert ReturnLog.objects.filter(ret=ret, actor=admin, to_status="cancelled").exists()
    withdrawal.refresh_from_db()
    assert withdrawal.status == Withdrawal.Status.DONE


@pytest.mark.parametrize(
    "overrides",
    [
        {"reference": "2026-NOPE00"},  # unknown order
        {"email": "someone.else@example.org"},  # another person's order number
        {"reference": ""},
    ],
)
def test_a_declaration_that_matches_no_order_is_kept_and_acknowledged_but_changes_nothing(
    ordered, committed, mailoutbox, overrides
):
    order = ordered()
    mailoutbox.clear()
    with committed():
        withdrawal = declare(order, **overrides)
    assert withdrawal.status == Withdrawal.Status.UNMATCHED
    assert withdrawal.order is None
    assert not Return.objects.exists()
    order.refresh_from_db()
    assert order.status == Order.Status.SHIPPED
    [mail] = mailoutbox
    assert "I hereby withdraw" in mail.body
    assert "could not match" in mail.body


def test_withdrawal_of_an_unpaid_order_cancels_it(ordered, committed, mailoutbox):
    order = ordered(paid=False, shipped=False)
    with committed():
        withdrawal = declare(order)
    order.refresh_from_db()
    assert order.status == Order.Status.CANCELLED
    assert withdrawal.status == Withdrawal.Status.DONE
    assert "nothing is owed" in mailoutbox[-1].body


def test_withdrawal_of_a_paid_order_not_yet_shipped_is_open_whatever_the_date(
    ordered, committed, clock, mailoutbox
):
    clock(berlin(2026, 6, 1, 10, 0))
    order = ordered(shipped=False)
    clock(berlin(2026, 9, 1, 10, 0))
    with committed():
        withdrawal = declare(order)
    assert withdrawal.status == Withdrawal.Status.OPEN
    assert withdrawal.period_ends_at is None
    assert withdrawal.returns.count() == 1
    body = mailoutbox[-1].body
    assert "has not been shipped yet: we keep it back" in body
    assert "Please send these goods back" not in body


def test_withdrawal_after_the_period_is_kept_as_late_and_opens_no_return(
    ordered, committed, clock, mailoutbox
):
    clock(berlin(2026, 10, 5, 9, 0))  # shipped Monday 5 October
    order = ordered()
    # 5 Oct + 3 days' delivery + 14 days = Thursday 22 October, the last day
    clock(berlin(2026, 10, 22, 23, 59))
    with committed():
        in_time = declare(order)
    assert in_time.status == Withdrawal.Status.OPEN
    clock(berlin(2026, 10, 23, 0, 1))
    with committed():
        late = declare(order)
    assert late.status == Withdrawal.Status.LATE
    assert Return.objects.count() == 1
    assert "withdrawal period of this contract ended" in mailoutbox[-1].body


def test_a_refund_after_the_month_closed_claws_back_in_the_open_period(
    ordered, committed, clock, anna
):
    clock(berlin(2026, 10, 28, 10, 0))
    order = ordered()
    clock(berlin(2026, 11, 2, 10, 0))
    with committed():
        withdrawal = declare(order)
        period_close(period=Period.objects.get(start=date(2026, 10, 1)))
    with committed():
        services.return_receive(ret=withdrawal.returns.get())

    november = Period.objects.get(start=date(2026, 11, 1))
    entries = VolumeEntry.objects.filter(partner=anna).order_by("pk")
    assert [(e.period.start, e.qv) for e in entries] == [
        (date(2026, 10, 1), D("34.00")),
        (date(2026, 11, 1), D("-34.00")),
    ]
    assert partner_stats(partner=anna, period=november).pv == D("-34")


def test_withdrawal_from_a_subscription_ends_it_and_returns_its_delivered_order(
    anna, cream, committed, clock, mailoutbox
):
    from orders.services import order_mark_paid, order_ship
    from subscriptions.models import Subscription, SubscriptionCycle
    from subscriptions.payment import mandate_text
    from subscriptions.services import subscription_create, subscription_cycle_create

    clock(berlin(2026, 1, 10, 9, 0))
    with committed():
        subscription = subscription_create(
            lines={cream.pk: 1},
            customer_data={
                "email": "kim@example.org",
                "first_name": "Kim",
                "last_name": "Kunde",
                "street": "Lindenweg 5",
                "postal_code": "50667",
                "city": "Köln",
                "country": "DE",
                "partner_code": "anna",
            },
            interval=1,
            first_date=date(2026, 1, 10),
            account_holder="Kim Kunde",
            iban="DE89 3704 0044 0532 0130 00",
            mandate_text=mandate_text(language="en"),
            language="en",
            today=date(2026, 1, 10),
        )
        subscription_cycle_create(subscription=subscription, today=date(2026, 1, 10))
        cycle = SubscriptionCycle.objects.get(subscription=subscription)
        order_mark_paid(order=cycle.order)
        order_ship(order=cycle.order)
    clock(berlin(2026, 1, 15, 9, 0))
    with committed():
        withdrawal = services.withdrawal_declare(
            name="Kim Kunde", email="kim@example.org", reference=subscription.number
        )
    subscription.refresh_from_db()
    assert subscription.status == Subscription.Status.CANCELLED
    assert withdrawal.kind == Withdrawal.Kind.SUBSCRIPTION
    assert withdrawal.status == Withdrawal.Status.OPEN
    assert withdrawal.returns.get().order == cycle.order
    assert withdrawal.refund_due_on == date(2026, 1, 29)


def test_an_admin_opens_a_return_for_a_complaint_and_it_is_logged_with_their_name(
    ordered, committed
):
    order = ordered()
    admin = UserFactory(is_staff=True)
    soap = order.lines.get(name="Seife")
    ret = services.return_open(
        order=order,
        reason=Return.Reason.DEFECT,
        quantities={soap.pk: 1},
        note="bottle broken",
        opened_by=admin,
    )
    assert ret.withdrawal is None
    entry = ReturnLog.objects.get(ret=ret)
    assert entry.actor == admin and entry.note == "bottle broken" and entry.to_status == "open"
    assert services.returnable_quantities(order=order) == {order.lines.get(name="Creme").pk: 2}
    assert timedelta(0) <= (entry.created_at - ret.created_at) < timedelta(seconds=5)
