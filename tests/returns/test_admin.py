"""The admin's side: open withdrawals with their refund deadline; a return
opened by hand, its goods received line by line by the warehouse."""

from decimal import Decimal

import pytest

from orders.models import Order
from returns import services
from returns.models import Return, ReturnLog
from tests.orders.helpers import staff_client

from .conftest import berlin

pytestmark = pytest.mark.django_db

WITHDRAWALS = "/admin/returns/withdrawal/"
RETURNS = "/admin/returns/return/"


@pytest.fixture
def english_admin(admin_client):
    admin_client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return admin_client


def test_open_withdrawals_show_their_refund_deadline_and_days_left(
    english_admin, ordered, committed, clock
):
    clock(berlin(2026, 10, 5, 9, 0))
    order = ordered()
    clock(berlin(2026, 10, 12, 10, 0))
    with committed():
        services.withdrawal_declare(name="Karla Kundin", email=order.email, reference=order.number)
    clock(berlin(2026, 10, 20, 10, 0))

    page = english_admin.get(WITHDRAWALS, {"status__exact": "open"}).content.decode()
    assert order.number in page
    assert "26.10.2026 (6 days left)" in page

    clock(berlin(2026, 10, 28, 10, 0))
    page = english_admin.get(WITHDRAWALS).content.decode()
    assert "2 days overdue" in page


def test_an_admin_opens_a_return_by_order_number_with_chosen_lines(english_admin, ordered):
    order = ordered()
    cream = order.lines.get(name="Creme")
    page = english_admin.get(f"{RETURNS}open/", {"order": "nope"}).content.decode()
    assert "There is no order nope." in page
    page = english_admin.get(f"{RETURNS}open/", {"order": order.number}).content.decode()
    assert "Creme (2 x)" in page

    response = english_admin.post(
        f"{RETURNS}open/",
        {"order": order.number, f"qty_{cream.pk}": "1", "reason": "defect", "note": "leaks"},
    )
    ret = Return.objects.get()
    assert response.status_code == 302 and response.url == f"{RETURNS}{ret.pk}/change/"
    assert [(line.order_line_id, line.quantity) for line in ret.lines.all()] == [(cream.pk, 1)]
    assert ret.reason == "defect" and ret.opened_by.is_superuser


def test_asking_for_more_than_was_bought_is_answered_on_the_form(english_admin, ordered):
    order = ordered()
    cream = order.lines.get(name="Creme")
    response = english_admin.post(
        f"{RETURNS}open/", {"order": order.number, f"qty_{cream.pk}": "5", "reason": "defect"}
    )
    assert response.status_code == 200
    assert "Ensure this value is less than or equal to 2." in response.content.decode()
    assert not Return.objects.exists()


def test_the_warehouse_marks_some_lines_received_and_the_refund_follows(client, ordered, committed):
    order = ordered()
    with committed():
        ret = services.return_open(order=order, reason=Return.Reason.WITHDRAWAL)
    cream_line = ret.lines.get(order_line__name="Creme")
    soap_line = ret.lines.get(order_line__name="Seife")
    warehouse = staff_client(client, "returns.view_return", "returns.receive_return")

    page = warehouse.get(f"{RETURNS}{ret.pk}/change/").content.decode()
    assert "Goods received…" in page
    with committed():
        response = warehouse.post(
            f"{RETURNS}{ret.pk}/receive/",
            {f"qty_{cream_line.pk}": "2", f"qty_{soap_line.pk}": "0"},
        )
    assert response.status_code == 302
    refund = order.refunds.get()
    assert refund.amount == Decimal("48.00")
    ret.refresh_from_db()
    assert ret.status == Return.Status.PARTLY_RECEIVED
    entry = ReturnLog.objects.filter(ret=ret).last()
    assert entry.refund == refund and entry.actor.is_staff
    assert entry.note == "2 items received, 48.00 EUR refunded"


def test_without_the_receive_permission_nobody_marks_goods_received(client, ordered, committed):
    order = ordered()
    with committed():
        ret = services.return_open(order=order, reason=Return.Reason.WITHDRAWAL)
    support = staff_client(client, "returns.view_return")
    assert support.get(f"{RETURNS}{ret.pk}/receive/").status_code == 403
    assert support.post(f"{RETURNS}{ret.pk}/receive/", {}).status_code == 403
    assert not order.refunds.exists()


def test_received_in_full_from_the_list_refunds_the_order(english_admin, ordered, committed):
    order = ordered()
    with committed():
        ret = services.return_open(order=order, reason=Return.Reason.WITHDRAWAL)
    with committed():
        response = english_admin.post(
            RETURNS, {"action": "receive_all", "_selected_action": [ret.pk]}, follow=True
        )
    assert "1 returns received and refunded." in response.content.decode()
    order.refresh_from_db()
    assert order.status == Order.Status.REFUNDED


def test_closing_without_goods_is_asked_for_a_reason(english_admin, ordered, committed):
    order = ordered()
    with committed():
        ret = services.return_open(order=order, reason=Return.Reason.WITHDRAWAL)
    response = english_admin.post(f"{RETURNS}{ret.pk}/close/", {"note": ""})
    assert response.status_code == 200
    response = english_admin.post(f"{RETURNS}{ret.pk}/close/", {"note": "kept by customer"})
    assert response.status_code == 302
    ret.refresh_from_db()
    assert ret.status == Return.Status.CANCELLED


def test_the_returns_report_counts_per_product_and_flags_partners(
    english_admin, ordered, committed, clock, anna
):
    clock(berlin(2026, 10, 5, 9, 0))
    orders = [ordered(email=f"k{n}@example.org") for n in range(4)]
    for order in orders[:3]:
        with committed():
            services.withdrawal_declare(name="K", email=order.email, reference=order.number)
    page = english_admin.get("/admin/reports/returns/", {"period": "2026-10"}).content.decode()
    assert '<td>Creme</td><td class="num">3</td><td class="num">6</td>' in page
    assert '(anna)</td><td class="num">4</td><td class="num">3</td>' in page
    assert "75.00 %" in page and 'class="report-flag"' in page
    csv = english_admin.get("/admin/reports/returns/", {"period": "2026-10", "format": "csv"})
    assert csv.content.decode().splitlines()[1].endswith(";anna;4;3;75.00;1")
    assert english_admin.get("/admin/reports/returns/", {"period": "x"}).status_code == 400


def test_a_withdrawal_and_its_return_open_in_the_admin(english_admin, ordered, committed):
    order = ordered()
    with committed():
        withdrawal = services.withdrawal_declare(
            name="Karla Kundin", email=order.email, reference=order.number
        )
    ret = withdrawal.returns.get()
    page = english_admin.get(f"{WITHDRAWALS}{withdrawal.pk}/change/")
    assert page.status_code == 200 and "Karla Kundin" in page.content.decode()
    page = english_admin.get(f"{RETURNS}{ret.pk}/change/")
    assert page.status_code == 200
    assert "Close without goods…" in page.content.decode()
    assert english_admin.get(f"{RETURNS}999999/receive/").status_code == 404
