"""Staff who may only look at orders, products and customers cannot change money
or volume from the admin: the actions are not offered and a forged POST is refused."""

import pytest

from orders.models import Customer, CustomerBindingChange, Order, Product
from orders.services import order_mark_paid
from tests.factories import PartnerFactory

from .helpers import staff_client

pytestmark = pytest.mark.django_db

ORDER_ACTIONS = ("mark_paid", "ship", "cancel", "refund_full", "partial_refund", "reattribute")


@pytest.fixture
def viewer(client):
    return staff_client(client, "orders.view_order", "orders.view_product", "orders.view_customer")


def offered_actions(response) -> set[str]:
    form = response.context["action_form"]
    return {name for name, _label in form.fields["action"].choices if name} if form else set()


def test_a_view_only_agent_sees_orders_but_no_action_that_changes_them(viewer, place):
    place()
    response = viewer.get("/admin/orders/order/")
    assert response.status_code == 200
    assert not offered_actions(response) & set(ORDER_ACTIONS)


@pytest.mark.parametrize("name", ["mark_paid", "cancel"])
def test_a_view_only_agent_cannot_post_a_status_action(viewer, place, name):
    order = place()
    viewer.post(
        "/admin/orders/order/", {"action": name, "_selected_action": [order.pk]}, follow=True
    )
    order.refresh_from_db()
    assert order.status == Order.Status.PENDING


@pytest.mark.parametrize("name", ["ship", "refund_full"])
def test_a_view_only_agent_cannot_ship_or_refund(viewer, place, name):
    order = order_mark_paid(order=place())
    viewer.post(
        "/admin/orders/order/", {"action": name, "_selected_action": [order.pk]}, follow=True
    )
    order.refresh_from_db()
    assert order.status == Order.Status.PAID and order.refunds.count() == 0


def test_a_view_only_agent_cannot_reattribute(viewer, place, partner):
    order = place()
    viewer.post(
        "/admin/orders/order/",
        {
            "action": "reattribute",
            "_selected_action": [order.pk],
            "apply": "1",
            "partner": partner.pk,
            "reason": "because",
        },
        follow=True,
    )
    order.refresh_from_db()
    assert order.attributed_partner is None


def test_a_view_only_agent_gets_no_refund_button_and_no_refund_page(viewer, place):
    order = order_mark_paid(order=place())
    page = viewer.get(f"/admin/orders/order/{order.pk}/change/")
    assert page.status_code == 200
    assert "Refund chosen lines" not in page.content.decode()
    line = order.lines.get()
    response = viewer.post(
        f"/admin/orders/order/{order.pk}/refund/", {"reason": "x", f"line_{line.pk}": 1}
    )
    assert response.status_code == 403
    assert order.refunds.count() == 0


def test_a_view_only_agent_cannot_deactivate_products(viewer, soap):
    response = viewer.get("/admin/orders/product/")
    assert not offered_actions(response) & {"activate", "deactivate"}
    viewer.post("/admin/orders/product/", {"action": "deactivate", "_selected_action": [soap.pk]})
    assert Product.objects.get(pk=soap.pk).is_active


def test_a_view_only_agent_cannot_rebind_customers(viewer, place):
    customer = place().customer
    anna = PartnerFactory()
    response = viewer.get("/admin/orders/customer/")
    assert "rebind" not in offered_actions(response)
    viewer.post(
        "/admin/orders/customer/",
        {
            "action": "rebind",
            "_selected_action": [customer.pk],
            "apply": "1",
            "partner": anna.pk,
            "reason": "because",
        },
    )
    assert Customer.objects.get(pk=customer.pk).bound_partner is None
    assert not CustomerBindingChange.objects.exists()


def test_staff_with_the_change_permission_still_has_every_action(client, place):
    place()
    agent = staff_client(client, "orders.view_order", "orders.change_order")
    assert set(ORDER_ACTIONS) <= offered_actions(agent.get("/admin/orders/order/"))
