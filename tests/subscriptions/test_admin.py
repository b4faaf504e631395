"""Admin: subscriptions with status, next date, partner and value per month;
the day's run and its failures."""

from datetime import date

import pytest
from django.urls import reverse

from subscriptions.models import Subscription
from subscriptions.services import subscriptions_run
from tests.factories import UserFactory


@pytest.fixture
def admin_client(client, db):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def test_subscription_list_shows_status_next_date_and_value(admin_client, subscribe):
    subscription = subscribe(today=date(2026, 1, 10), first_date=date(2026, 1, 20))
    body = admin_client.get(reverse("admin:subscriptions_subscription_changelist")).content.decode()
    assert subscription.number in body
    assert "54,00" in body  # 2 x 27.00 every month
    detail = admin_client.get(
        reverse("admin:subscriptions_subscription_change", args=[subscription.pk])
    ).content.decode()
    assert subscription.mandate.reference in detail


def test_admin_cancels_through_the_service(admin_client, subscribe):
    subscription = subscribe(today=date(2026, 1, 10), first_date=date(2026, 1, 20))
    admin_client.post(
        reverse("admin:subscriptions_subscription_changelist"),
        {"action": "cancel_selected", "_selected_action": [subscription.pk]},
    )
    subscription.refresh_from_db()
    assert subscription.status == Subscription.Status.CANCELLED


def test_run_list_shows_failures(admin_client, subscribe, cream):
    subscribe(today=date(2026, 1, 10), first_date=date(2026, 1, 20))
    cream.is_active = False
    cream.save()
    subscriptions_run(today=date(2026, 1, 20))
    body = admin_client.get(
        reverse("admin:subscriptions_subscriptionrun_changelist")
    ).content.decode()
    assert "2026" in body
