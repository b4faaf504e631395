"""Moving, pausing and terminating partners changes volume: view-only staff get
none of those actions and a forged POST changes nothing."""

import pytest

from partners.models import Partner
from tests.factories import PartnerFactory
from tests.orders.helpers import staff_client

pytestmark = pytest.mark.django_db

URL = "/admin/partners/partner/"
ACTIONS = {"move_to_sponsor", "pause", "reactivate", "terminate"}


def offered_actions(response) -> set[str]:
    form = response.context["action_form"]
    return {name for name, _label in form.fields["action"].choices if name} if form else set()


def test_a_view_only_agent_cannot_pause_or_terminate_partners(client):
    anna = PartnerFactory()
    viewer = staff_client(client, "partners.view_partner")
    response = viewer.get(URL)
    assert response.status_code == 200
    assert not offered_actions(response) & ACTIONS
    for name in ("pause", "terminate"):
        viewer.post(URL, {"action": name, "_selected_action": [anna.pk], "apply": "1"})
    assert Partner.objects.get(pk=anna.pk).status == Partner.Status.ACTIVE
