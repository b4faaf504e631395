"""What the partner sees: their customers' subscriptions and the volume still
due before the month ends."""

import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from django.utils import timezone

from orders.attribution import Referral
from subscriptions.selectors import partner_subscription_volume_due, partner_subscriptions
from subscriptions.services import subscription_cancel
from tests.factories import PartnerFactory


def test_partner_sees_count_monthly_qv_and_volume_due_until_month_end(subscribe, clock):
    clock(datetime(2026, 11, 3, 9, 0, tzinfo=UTC))  # the subscriptions are taken out that day
    anna = PartnerFactory(slug="anna")
    ref = Referral(slug="anna", seen_at=timezone.now())
    today = date(2026, 11, 3)
    # 2 x 20 QV monthly from 10 Nov; 2 x 20 QV every 2 months from 30 Nov; one cancelled.
    subscribe(today=today, first_date=date(2026, 11, 10), referral=ref)
    subscribe(
        today=today,
        first_date=date(2026, 11, 30),
        interval=2,
        referral=ref,
        data={"email": "b@example.org", "first_name": "Berta", "last_name": "Beispiel"},
    )
    gone = subscribe(
        today=today, first_date=date(2026, 11, 20), referral=ref, data={"email": "c@example.org"}
    )
    subscription_cancel(subscription=gone)
    view = partner_subscriptions(partner=anna, today=today)
    assert view.active == 2
    assert view.monthly_qv == Decimal("60.00")  # 40 + 40/2
    assert view.new_this_period == 3 and view.cancelled_this_period == 1
    assert view.due_qv == Decimal("80") and view.due_until == date(2026, 11, 30)
    assert {row.customer for row in view.rows} >= {"Berta B."}
    assert partner_subscription_volume_due(partner=anna, today=date(2026, 11, 15)) == Decimal("40")


def test_other_partners_subscriptions_are_not_shown(subscribe):
    anna = PartnerFactory(slug="anna")
    PartnerFactory(slug="bert")
    subscribe(today=date(2026, 11, 3), referral=Referral(slug="bert", seen_at=timezone.now()))
    assert partner_subscriptions(partner=anna, today=date(2026, 11, 3)).active == 0


def test_dashboard_customers_page_and_whatif_show_subscription_volume(client, subscribe):
    from qualification.services import period_current_open
    from subscriptions.dates import company_today
    from tests.factories import RankFactory

    anna = PartnerFactory(slug="anna")
    RankFactory(level=1, name="Bronze", min_pv=Decimal("30"))
    period_current_open()
    today = company_today()
    from subscriptions.selectors import month_end

    first = month_end(today)
    # Due on the month's last day (not yet ordered): expected volume until then.
    subscribe(
        today=today - timedelta(days=1),
        first_date=first,
        referral=Referral(slug="anna", seen_at=timezone.now()),
    )
    client.force_login(anna.user)
    body = client.get("/dashboard/customers/").content.decode()
    assert 'data-testid="subs-active">1<' in body
    assert "40" in body and first.strftime("%-d.%-m.") in body
    whatif = client.get("/dashboard/whats-missing/").content.decode()
    assert 'data-testid="expected-subscriptions"' in whatif
    assert "Bronze" in whatif


def test_no_volume_due_line_when_no_delivery_falls_before_the_month_end(client, subscribe):
    from subscriptions.dates import company_today
    from subscriptions.selectors import month_end

    anna = PartnerFactory(slug="anna")
    today = company_today()
    subscribe(
        today=today,
        first_date=month_end(today) + timedelta(days=3),
        referral=Referral(slug="anna", seen_at=timezone.now()),
    )
    client.force_login(anna.user)
    body = client.get("/dashboard/customers/").content.decode()
    assert 'data-testid="subs-active">1<' in body
    assert 'data-testid="subs-due"' not in body


def test_a_subscription_customer_without_a_delivery_yet_says_so_in_pv(client, subscribe, clock):
    clock(datetime(2026, 11, 3, 9, 0, tzinfo=UTC))
    anna = PartnerFactory(slug="anna")
    subscribe(
        today=date(2026, 11, 3),
        first_date=date(2026, 11, 10),
        referral=Referral(slug="anna", seen_at=timezone.now()),
        data={"email": "b@example.org", "first_name": "Berta", "last_name": "Beispiel"},
    )
    client.force_login(anna.user)

    body = client.get("/dashboard/customers/", HTTP_ACCEPT_LANGUAGE="de").content.decode()

    assert "Abo, noch keine Lieferung: Die erste kommt am 10.11.2026." in body
    assert "Noch keine Bestellungen für Sie." not in body
    # the card and its table speak of the partner's PV, as the line "noch … PV aus Abos" does
    # (\bQV\b: a random form token may hold the letters "QV")
    assert "PV pro Monat" in body and not re.search(r"\bQV\b", body)
