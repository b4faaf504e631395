"""Closing or recomputing a period changes everybody's volume and ranks: staff who
may only look at periods get neither action, and a forged POST changes nothing."""

import pytest
from django.urls import reverse

from qualification.services import period_for
from tests.factories import PartnerFactory
from tests.orders.helpers import staff_client

from .conftest import berlin

pytestmark = pytest.mark.django_db

OCT = berlin(2026, 10, 10, 12)
URL = "/admin/qualification/period/"


def offered_actions(response) -> set[str]:
    form = response.context["action_form"]
    return {name for name, _label in form.fields["action"].choices if name} if form else set()


def test_a_view_only_agent_sees_periods_but_cannot_close_or_recompute(client, paid_order):
    paid_order(PartnerFactory(), 100, at=OCT)
    october = period_for(at=OCT)
    viewer = staff_client(client, "qualification.view_period")
    response = viewer.get(URL)
    assert response.status_code == 200
    assert not offered_actions(response) & {"close_periods", "recompute_periods"}

    viewer.post(URL, {"action": "close_periods", "_selected_action": [october.pk], "apply": "1"})
    october.refresh_from_db()
    assert october.is_open

    response = viewer.post(
        URL, {"action": "recompute_periods", "_selected_action": [october.pk]}, follow=True
    )
    assert "recomputed" not in response.content.decode()


def test_staff_who_may_change_periods_are_offered_both_actions(client):
    agent = staff_client(client, "qualification.view_period", "qualification.change_period")
    assert {"close_periods", "recompute_periods"} <= offered_actions(
        agent.get(reverse("admin:qualification_period_changelist"))
    )
