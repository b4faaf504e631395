"""The daily run: each due cycle's order once, subscriber price (QV whole),
skip and pause, price rises only after notice, pre-notification before each debit."""

from datetime import date
from decimal import Decimal

from orders.models import Order
from orders.services import order_mark_paid
from payouts.models import OrderDebit
from qualification.models import VolumeEntry
from subscriptions.models import SubscriptionCycle, SubscriptionRun
from subscriptions.services import (
    subscription_cancel,
    subscription_move_next,
    subscription_pause,
    subscription_resume,
    subscription_skip_next,
    subscriptions_run,
)
from tests.factories import PartnerFactory

FIRST = date(2026, 1, 31)


def test_run_creates_the_due_order_once_even_when_run_again(subscribe):
    subscription = subscribe(today=date(2026, 1, 20), first_date=FIRST)
    assert subscriptions_run(today=date(2026, 1, 30)).orders_created == 0
    first = subscriptions_run(today=FIRST)
    again = subscriptions_run(today=FIRST)
    assert (first.orders_created, again.orders_created) == (1, 0)
    assert Order.objects.count() == 1
    assert SubscriptionCycle.objects.get().cycle_date == FIRST
    subscription.refresh_from_db()
    assert subscription.next_date == date(2026, 2, 28)  # then 31 March
    subscriptions_run(today=date(2026, 2, 28))
    subscription.refresh_from_db()
    assert subscription.next_date == date(2026, 3, 31)
    assert Order.objects.count() == 2


def test_cycle_order_has_the_discount_on_price_and_cv_but_full_qv(subscribe, cream):
    anna = PartnerFactory(slug="anna")
    from django.utils import timezone

    from orders.attribution import Referral

    subscribe(today=FIRST, referral=Referral(slug="anna", seen_at=timezone.now()))
    order = Order.objects.get()
    line = order.lines.get()
    assert line.unit_price == Decimal("27.00")  # 30.00 less 10 %
    assert line.unit_cv == Decimal("22.69")  # 25.21 less 10 %, to the cent
    assert line.unit_qv == Decimal("20")  # never discounted
    assert order.qv == Decimal("40") and order.total == Decimal("54.00")
    assert order.attributed_partner == anna
    assert OrderDebit.objects.get(order=order).amount == Decimal("54.00")


def test_paid_cycle_order_books_its_volume_like_any_order(subscribe):
    from django.utils import timezone

    from orders.attribution import Referral

    anna = PartnerFactory(slug="anna")
    subscribe(today=FIRST, referral=Referral(slug="anna", seen_at=timezone.now()))
    order_mark_paid(order=Order.objects.get())
    assert sum(e.qv for e in VolumeEntry.objects.filter(partner=anna)) == Decimal("40")


def test_skipped_delivery_creates_no_order_and_the_next_one_comes(subscribe):
    subscription = subscribe(today=date(2026, 1, 20), first_date=FIRST)
    subscription_skip_next(subscription=subscription, today=date(2026, 1, 25))
    subscription.refresh_from_db()
    assert subscription.next_date == date(2026, 2, 28)
    assert subscriptions_run(today=FIRST).orders_created == 0
    assert subscriptions_run(today=date(2026, 2, 28)).orders_created == 1


def test_paused_and_cancelled_subscriptions_order_nothing(subscribe):
    paused = subscribe(today=date(2026, 1, 20), first_date=FIRST)
    cancelled = subscribe(
        today=date(2026, 1, 20), first_date=FIRST, data={"email": "b@example.org"}
    )
    subscription_pause(subscription=paused)
    subscription_cancel(subscription=cancelled)
    assert subscriptions_run(today=FIRST).orders_created == 0
    # Resumed after the date passed: from the schedule's next date on, nothing late.
    subscription_resume(subscription=paused, today=date(2026, 2, 5))
    paused.refresh_from_db()
    assert paused.next_date == date(2026, 2, 28)
    assert subscriptions_run(today=date(2026, 2, 5)).orders_created == 0


def test_moved_delivery_is_ordered_on_the_new_date(subscribe):
    subscription = subscribe(today=date(2026, 1, 20), first_date=FIRST)
    subscription_move_next(
        subscription=subscription, new_date=date(2026, 2, 3), today=date(2026, 1, 25)
    )
    assert subscriptions_run(today=FIRST).orders_created == 0
    assert subscriptions_run(today=date(2026, 2, 3)).orders_created == 1
    subscription.refresh_from_db()
    assert subscription.next_date == date(2026, 3, 31)  # the anchor day stays


def test_price_rise_applies_only_after_the_notice_period(
    subscribe, cream, settings, mailoutbox, django_capture_on_commit_callbacks
):
    settings.SUBSCRIPTION_PRICE_NOTICE_DAYS = 42
    subscription = subscribe(today=date(2026, 1, 20), first_date=FIRST)
    cream.price = Decimal("40.00")
    cream.save()
    with django_capture_on_commit_callbacks(execute=True):
        run = subscriptions_run(today=date(2026, 1, 21))
    assert run.price_notices_sent == 1
    assert any("40,00" in m.body and "04.03.2026" in m.body for m in mailoutbox)
    subscriptions_run(today=FIRST)
    subscriptions_run(today=date(2026, 2, 28))
    subscriptions_run(today=date(2026, 3, 31))
    prices = list(
        Order.objects.order_by("placed_at", "pk").values_list("lines__unit_price", flat=True)
    )
    # Old price (less 10 %) within the notice period, the new one after 4 March.
    assert prices == [Decimal("27.00"), Decimal("27.00"), Decimal("36.00")]
    assert subscriptions_run(today=date(2026, 4, 1)).price_notices_sent == 0  # told once
    subscription.refresh_from_db()
    assert subscription.lines.get().unit_price == Decimal("40.00")


def test_price_cut_applies_at_once(subscribe, cream):
    subscribe(today=date(2026, 1, 20), first_date=FIRST)
    cream.price = Decimal("20.00")
    cream.save()
    subscriptions_run(today=FIRST)
    assert Order.objects.get().lines.get().unit_price == Decimal("18.00")


def test_prenotification_goes_out_before_each_debit_once(
    subscribe, settings, mailoutbox, django_capture_on_commit_callbacks
):
    settings.SEPA_PRENOTIFICATION_DAYS = 5
    subscription = subscribe(today=date(2026, 1, 20), first_date=FIRST)
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        subscriptions_run(today=date(2026, 1, 25))  # first debit: told in the confirmation
        subscriptions_run(today=FIRST)
        assert not [m for m in mailoutbox if "notice" in m.subject.lower() or "Vorab" in m.subject]
        assert subscriptions_run(today=date(2026, 2, 22)).prenotifications_sent == 0
        assert subscriptions_run(today=date(2026, 2, 23)).prenotifications_sent == 1
        assert subscriptions_run(today=date(2026, 2, 24)).prenotifications_sent == 0
    notices = [m for m in mailoutbox if subscription.number in m.subject and "28.02.2026" in m.body]
    assert len(notices) == 1
    assert "54,00" in notices[0].body
    assert subscription.mandate.reference in notices[0].body


def test_a_failing_subscription_is_recorded_and_the_others_go_on(subscribe, cream):
    broken = subscribe(today=date(2026, 1, 20), first_date=FIRST)
    subscribe(today=date(2026, 1, 20), first_date=FIRST, data={"email": "b@example.org"})
    cream.is_active = False
    cream.save()
    from tests.factories import ProductFactory

    tea = ProductFactory(name="Tee")
    subscribe(
        today=date(2026, 1, 20),
        first_date=FIRST,
        data={"email": "c@example.org"},
        lines={tea.pk: 1},
    )
    run = subscriptions_run(today=FIRST)
    assert run.orders_created == 1
    assert run.failures == 2
    assert {e["subscription"] for e in run.errors} >= {broken.number}
    assert SubscriptionRun.objects.count() == 1


def test_run_at_half_past_midnight_on_clock_change_days_orders_that_day_once(subscribe, clock):
    """The beat run at 00:30 Berlin time is 22:30/23:30 UTC of the day before:
    it still creates the cycle of the Berlin date, and a later run that day
    (after the clocks jumped) creates nothing more."""
    import zoneinfo
    from datetime import datetime

    berlin = zoneinfo.ZoneInfo("Europe/Berlin")
    spring = subscribe(today=date(2026, 3, 1), first_date=date(2026, 3, 29))
    autumn = subscribe(
        today=date(2026, 10, 1), first_date=date(2026, 10, 25), data={"email": "b@example.org"}
    )

    def run_at(local):
        clock(local)
        return subscriptions_run().orders_created

    assert run_at(datetime(2026, 3, 29, 0, 30, tzinfo=berlin)) == 1  # 23:30 UTC on 28 March
    assert run_at(datetime(2026, 3, 29, 3, 30, tzinfo=berlin)) == 0  # after 02:00 -> 03:00
    subscription_cancel(subscription=spring, notify=False)
    assert run_at(datetime(2026, 10, 25, 0, 30, tzinfo=berlin)) == 1  # 22:30 UTC on 24 October
    assert run_at(datetime(2026, 10, 25, 2, 30, fold=1, tzinfo=berlin)) == 0  # the repeated hour
    assert [c.cycle_date for c in SubscriptionCycle.objects.filter(subscription=spring)] == [
        date(2026, 3, 29)
    ]
    assert [c.cycle_date for c in SubscriptionCycle.objects.filter(subscription=autumn)] == [
        date(2026, 10, 25)
    ]


def test_a_cycle_caught_up_after_missed_runs_is_debited_from_the_day_of_the_run_not_before(
    subscribe,
):
    subscribe(today=date(2026, 1, 20), first_date=FIRST)
    late = date(2026, 2, 4)  # the runs of 31 January to 3 February were missed
    assert subscriptions_run(today=late).orders_created == 1
    debit = OrderDebit.objects.get()
    assert SubscriptionCycle.objects.get().cycle_date == FIRST  # the delivery it stands for
    assert debit.due_date == late


def test_an_austrian_subscribers_cycle_order_carries_austrian_vat_and_cv_of_the_net(subscribe):
    subscribe(today=FIRST, data={"country": "AT", "postal_code": "1010", "city": "Wien"})
    line = Order.objects.get().lines.get()
    assert (line.unit_price, line.vat_rate) == (Decimal("27.00"), Decimal("20.00"))
    assert line.unit_cv == Decimal("22.50")  # 22.69 x 119 / 120: the net is lower
    assert line.unit_qv == Decimal("20")
