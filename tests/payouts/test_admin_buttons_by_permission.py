"""A button in the admin is shown only to those who may use it: a finance
approver, who may look at payout runs, bank statements and collections but not
prepare or import them, sees no button that would only refuse them."""

import pytest

from tests.orders.helpers import staff_client

pytestmark = pytest.mark.django_db

BUTTONS = [
    ("/admin/payouts/payoutrun/", "payouts.view_payoutrun", "payouts.prepare_payoutrun",
     "/admin/payouts/payoutrun/prepare/"),
    ("/admin/payouts/bankstatement/", "payouts.view_bankstatement", "payouts.add_bankstatement",
     "/admin/payouts/bankstatement/upload/"),
    ("/admin/payouts/debitcollection/", "payouts.view_debitcollection",
     "payouts.prepare_debitcollection", "/admin/payouts/debitcollection/prepare/"),
]  # fmt: skip


@pytest.mark.parametrize(("page", "view", "use", "button"), BUTTONS)
def test_the_button_is_offered_only_to_those_who_may_use_it(client, page, view, use, button):
    looking = staff_client(client, view).get(page)
    assert looking.status_code == 200
    assert f'"{button}"' not in looking.content.decode()

    using = staff_client(client, view, use).get(page)
    assert f'"{button}"' in using.content.decode()
