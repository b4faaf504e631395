"""Every kind comes from its event, after the commit, once per event."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.core import mail

from notifications import tasks
from notifications.models import Notification
from payouts.services import (
    payout_item_return,
    payout_run_approve,
    payout_run_mark_paid,
    payout_run_prepare,
)
from qualification.models import Period
from qualification.services import period_close, period_recompute
from tests.commissions.conftest import berlin, plan, sell  # noqa: F401 (fixtures)
from tests.factories import PartnerFactory, UserFactory
from tests.payouts.conftest import item_for  # noqa: F401 (fixture)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


def texts(partner, kind):
    return [n.text for n in Notification.objects.filter(partner=partner, kind=kind)]


def test_new_partner_tells_the_sponsor_once(anna, committed):
    with committed():
        ben = PartnerFactory(sponsor=anna, first_name="Ben", last_name="Brandt")

    assert texts(anna, "team_new") == ["Ben B. joined your team."]
    tasks.notify_partner_enrolled(ben.pk)  # a retried task
    assert Notification.objects.filter(partner=anna, kind="team_new").count() == 1
    assert not Notification.objects.filter(partner=ben).exists()


def test_closing_a_period_tells_ranks_reached_and_statements_ready(plan, sell, committed):  # noqa: F811
    anna = PartnerFactory(slug="anna")
    ben = PartnerFactory(slug="ben", sponsor=anna)
    sell(anna, 100, "100.00", berlin(2026, 9, 5))
    sell(ben, 250, "250.00", berlin(2026, 9, 5))
    period = Period.objects.get(start="2026-09-01")
    period_recompute(period=period)

    with committed():
        period_close(period=period)

    assert texts(anna, "rank_reached") == ["Congratulations: you reached Silver in September 2026."]
    assert texts(ben, "rank_reached") == ["Congratulations: you reached Bronze in September 2026."]
    assert texts(anna, "statement_ready") == [
        "Your commission statement for September 2026 is ready: 135.00 €."
    ]
    tasks.notify_statements(period.pk)  # a retried task
    assert Notification.objects.filter(kind="statement_ready").count() == 2


def admin_with(codename):
    user = UserFactory(is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename=codename))
    return user


def test_payout_sent_and_returned_are_told(anna, item_for, committed):  # noqa: F811
    item = item_for(anna, payout="100.00")
    run = payout_run_approve(
        run=payout_run_prepare(actor=admin_with("prepare_payoutrun")),
        actor=(approver := admin_with("approve_payoutrun")),
    )
    mail.outbox.clear()
    with committed():
        payout_run_mark_paid(run=run, actor=approver)
    with committed():
        payout_item_return(item=item, reason="AC04")

    assert texts(anna, "payout_paid") == [
        "Your payout of 100.00 € for October 2026 is on its way to your bank."
    ]
    assert texts(anna, "payout_returned") == [
        "Your payout of 100.00 € for October 2026 came back from the bank (AC04). "
        "Please check your bank details."
    ]
    assert len([m for m in mail.outbox if m.to == [anna.user.email]]) == 2
    assert Decimal(Notification.objects.get(kind="payout_paid").params["amount"]) == Decimal("100")


def test_a_notice_names_its_month_in_the_readers_language():
    from django.utils import translation

    from notifications.kinds import render

    with translation.override("de"):
        german = render("rank_reached", {"rank": "Gold", "period": "2026-11"})
        statement = render("statement_ready", {"period": "2026-11", "total": "652.44"})
    with translation.override("en"):
        english = render("rank_reached", {"rank": "Gold", "period": "2026-11"})

    assert german == "Herzlichen Glückwunsch: Sie haben im November 2026 den Rang Gold erreicht."
    assert statement == "Ihre Provisionsabrechnung für November 2026 liegt vor: 652,44 €."
    assert english == "Congratulations: you reached Gold in November 2026."
