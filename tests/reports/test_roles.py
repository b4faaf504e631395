"""The four staff roles, created by a migration: what each may and may not do."""

import importlib

import pytest
from django.apps import apps
from django.contrib.auth.models import Group
from django.core import mail
from django.urls import reverse

from orders.models import Order
from qualification.models import Rank
from tests.factories import OrderFactory, UserFactory

pytestmark = pytest.mark.django_db

ROLES = ("Support", "Finance", "Finance approver", "Plan manager")


def _fresh(user):
    # Permissions are cached on the user object.
    return type(user).objects.get(pk=user.pk)


def test_the_migration_creates_the_four_roles_and_running_it_again_changes_nothing():
    before = {g.name: set(g.permissions.values_list("pk", flat=True)) for g in Group.objects.all()}
    assert set(ROLES) <= set(before)
    assert all(before[name] for name in ROLES)
    migration = importlib.import_module("reports.migrations.0001_staff_roles")
    migration.create_roles(apps, None)
    after = {g.name: set(g.permissions.values_list("pk", flat=True)) for g in Group.objects.all()}
    assert after == before


def test_support_reads_orders_and_customers_but_cannot_refund_or_pay(staff_in, client_for):
    user = _fresh(staff_in("Support"))
    assert user.has_perms(["orders.view_order", "orders.view_customer", "partners.view_partner"])
    assert not user.has_perm("orders.change_order")
    assert not user.has_perm("payouts.prepare_payoutrun")
    assert not user.has_perm("payouts.view_payoutrun")
    client = client_for(user)
    order = OrderFactory(status=Order.Status.PAID)
    assert client.get(reverse("admin:orders_order_changelist")).status_code == 200
    assert client.get(reverse("admin:orders_customer_changelist")).status_code == 200
    assert client.get(reverse("admin:payouts_payoutrun_changelist")).status_code == 403
    changelist = client.get(reverse("admin:orders_order_changelist"))
    actions = [value for value, _ in changelist.context["action_form"].fields["action"].choices]
    assert "resend_confirmation" in actions
    assert "refund_full" not in actions and "mark_paid" not in actions
    # Posting the refund action anyway changes nothing.
    client.post(
        reverse("admin:orders_order_changelist"),
        {"action": "refund_full", "_selected_action": [order.pk]},
    )
    order.refresh_from_db()
    assert order.status == Order.Status.PAID
    assert (
        client.get(reverse("admin:orders_order_partial_refund", args=[order.pk])).status_code == 403
    )


def test_support_re_sends_the_order_confirmation(staff_in, client_for):
    order = OrderFactory(email="kundin@example.org")
    client = client_for(staff_in("Support"))
    response = client.post(
        reverse("admin:orders_order_changelist"),
        {"action": "resend_confirmation", "_selected_action": [order.pk]},
        follow=True,
    )
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["kundin@example.org"]
    assert order.number in mail.outbox[0].subject
    assert "1 order confirmation sent again." in response.content.decode()


def test_plan_manager_cannot_re_send_mails_or_read_orders(staff_in, client_for):
    user = _fresh(staff_in("Plan manager"))
    assert not user.has_perm("orders.resend_order_confirmation")
    assert client_for(user).get(reverse("admin:orders_order_changelist")).status_code == 403


def test_finance_refunds_and_prepares_payouts_but_does_not_approve(staff_in, client_for):
    user = _fresh(staff_in("Finance"))
    assert user.has_perms(
        ["orders.change_order", "payouts.prepare_payoutrun", "payouts.add_bankstatement"]
    )
    assert not user.has_perm("payouts.approve_payoutrun")
    assert not user.has_perm("qualification.change_rank")
    client = client_for(user)
    changelist = client.get(reverse("admin:orders_order_changelist"))
    actions = [value for value, _ in changelist.context["action_form"].fields["action"].choices]
    assert "refund_full" in actions
    order = OrderFactory(status=Order.Status.PAID)
    client.post(
        reverse("admin:orders_order_changelist"),
        {"action": "refund_full", "_selected_action": [order.pk]},
    )
    order.refresh_from_db()
    assert order.status == Order.Status.REFUNDED
    assert client.get(reverse("admin:payouts_payoutrun_changelist")).status_code == 200


def test_finance_may_not_approve_a_payout_run_through_the_service(staff_in):
    from django.core.exceptions import PermissionDenied

    from payouts.models import PayoutRun
    from payouts.services import payout_run_approve

    run = PayoutRun.objects.create(prepared_by=UserFactory())
    with pytest.raises(PermissionDenied):
        payout_run_approve(run=run, actor=_fresh(staff_in("Finance")))


def test_finance_approver_approves_but_does_not_prepare_or_refund(staff_in):
    user = _fresh(staff_in("Finance approver"))
    assert user.has_perm("payouts.approve_payoutrun")
    assert not user.has_perm("payouts.prepare_payoutrun")
    assert not user.has_perm("orders.change_order")


def test_plan_manager_changes_ranks_but_not_orders(staff_in, client_for):
    user = _fresh(staff_in("Plan manager"))
    assert user.has_perms(["qualification.change_rank", "qualification.change_commissionsettings"])
    assert not user.has_perm("orders.change_order")
    assert not user.has_perm("payouts.approve_payoutrun")
    rank = Rank.objects.create(level=1, name="Bronze")
    client = client_for(user)
    assert client.get(reverse("admin:qualification_rank_change", args=[rank.pk])).status_code == 200
    assert client.get(reverse("admin:qualification_rank_changelist")).status_code == 200


def test_support_cannot_change_ranks(staff_in, client_for):
    rank = Rank.objects.create(level=1, name="Bronze")
    client = client_for(staff_in("Support"))
    assert client.get(reverse("admin:qualification_rank_change", args=[rank.pk])).status_code == 403


def test_a_failed_re_send_is_reported_per_order_and_the_others_still_go_out(
    staff_in, client_for, monkeypatch
):
    from orders.admin import orders as order_admin

    good, bad = OrderFactory(), OrderFactory()
    real = order_admin.order_confirmation_email_send

    def flaky(*, order):
        if order.pk == bad.pk:
            raise OSError("mail server unreachable")
        real(order=order)

    monkeypatch.setattr(order_admin, "order_confirmation_email_send", flaky)
    response = client_for(staff_in("Support")).post(
        reverse("admin:orders_order_changelist"),
        {"action": "resend_confirmation", "_selected_action": [good.pk, bad.pk]},
        follow=True,
    )
    page = response.content.decode()
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [good.email]
    assert f"{bad.number}: the e-mail could not be sent (mail server unreachable)." in page
    assert "1 order confirmation sent again." in page
