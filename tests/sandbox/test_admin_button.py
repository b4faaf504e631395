"""The sandbox's "Try a draft plan" button is shown only to those who may
run the sandbox (sandbox.run_sandbox); others who may look at the runs see
the list without it (the page behind it would refuse them)."""

import pytest

from tests.orders.helpers import staff_client

pytestmark = pytest.mark.django_db

LIST, NEW = "/admin/sandbox/sandboxrun/", "/admin/sandbox/sandboxrun/new/"


def test_the_sandbox_button_is_shown_only_to_those_who_may_run_it(client):
    looking = staff_client(client, "sandbox.view_sandboxrun")
    page = looking.get(LIST)
    assert page.status_code == 200 and f'href="{NEW}"' not in page.content.decode()
    assert looking.get(NEW).status_code == 403

    running = staff_client(client, "sandbox.view_sandboxrun", "sandbox.run_sandbox")
    assert f'href="{NEW}"' in running.get(LIST).content.decode()
    assert running.get(NEW).status_code == 200
