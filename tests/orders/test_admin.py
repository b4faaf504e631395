import io
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from orders.models import AttributionChange, Customer, CustomerBindingChange, Order, Product, Refund
from orders.services import order_cancel, order_mark_paid
from tests.factories import PartnerFactory

pytestmark = pytest.mark.django_db
CHANGELIST = "/admin/orders/order/"


def messages_of(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


def action(admin_client, name, orders, **extra):
    return admin_client.post(
        CHANGELIST,
        {"action": name, "_selected_action": [o.pk for o in orders], **extra},
        follow=True,
    )


@pytest.fixture
def two_orders(place):
    return place(email="a@example.org"), place(email="b@example.org")


def test_order_list_shows_partner_reason_and_totals_and_can_be_searched_and_filtered(
    admin_client, place, partner
):
    order = place(code="anna")
    response = admin_client.get(
        CHANGELIST, {"q": "anna", "attribution__exact": "code", "status__exact": "pending"}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert order.number in html and "partner code at checkout" in html and "anna" in html
    assert admin_client.get(CHANGELIST, {"q": order.number}).status_code == 200
    assert (
        admin_client.get(CHANGELIST, {"payment_method__exact": "stripe"}).context["cl"].result_count
        == 0
    )


def test_order_detail_shows_lines_history_and_why_it_is_attributed(admin_client, place, partner):
    order = place(code="anna")
    order_mark_paid(order=order)
    html = admin_client.get(f"/admin/orders/order/{order.pk}/change/").content.decode()
    assert "Seife" in html and "history" in html.lower()
    assert "partner code at checkout" in html and "Refund chosen lines" in html


def test_mark_paid_action_reports_errors_per_order(admin_client, two_orders):
    good, cancelled = two_orders
    order_cancel(order=cancelled)
    response = action(admin_client, "mark_paid", [good, cancelled])
    good.refresh_from_db()
    assert good.status == Order.Status.PAID
    msgs = messages_of(response)
    assert any("1 order marked as paid" in m for m in msgs)
    assert any(cancelled.number in m and "cannot go from" in m for m in msgs)


def test_ship_cancel_and_full_refund_actions_call_the_services(
    admin_client, two_orders, admin_user
):
    first, second = two_orders
    action(admin_client, "cancel", [second])
    action(admin_client, "mark_paid", [first])
    action(admin_client, "ship", [first])
    action(admin_client, "refund_full", [first])
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == (Order.Status.REFUNDED, Order.Status.CANCELLED)
    assert first.transitions.filter(to_status="shipped", changed_by=admin_user).exists()
    assert Refund.objects.get(order=first).created_by == admin_user


def test_reattribute_asks_for_partner_and_reason_on_an_intermediate_page(
    admin_client, two_orders, admin_user
):
    ben = PartnerFactory(slug="ben")
    page = action(admin_client, "reattribute", two_orders)
    assert "Re-attribute orders" in page.content.decode()

    no_reason = action(
        admin_client, "reattribute", two_orders, apply="1", partner=ben.pk, reason=""
    )
    assert "This field is required" in no_reason.content.decode()
    assert not AttributionChange.objects.exists()

    action(
        admin_client,
        "reattribute",
        two_orders,
        apply="1",
        partner=ben.pk,
        reason="Kunde hat angerufen",
    )
    for order in two_orders:
        order.refresh_from_db()
        assert (order.attributed_partner, order.attribution) == (ben, Order.Attribution.ADMIN)
    change = AttributionChange.objects.first()
    assert (change.to_partner, change.changed_by, change.reason) == (
        ben,
        admin_user,
        "Kunde hat angerufen",
    )


def test_reattribute_to_the_company_and_refuse_a_terminated_partner(admin_client, place, partner):
    order = place(code="anna")
    gone = PartnerFactory(slug="gone", status="terminated")
    action(admin_client, "reattribute", [order], apply="1", partner=gone.pk, reason="x")
    order.refresh_from_db()
    assert order.attributed_partner == partner
    action(
        admin_client,
        "reattribute",
        [order],
        apply="1",
        partner="",
        reason="Eigenbestellung der Firma",
    )
    order.refresh_from_db()
    assert order.attributed_partner is None and order.attribution == Order.Attribution.NONE


def test_partner_autocomplete_serves_the_reattribute_page(admin_client, partner):
    response = admin_client.get(
        "/admin/autocomplete/",
        {
            "app_label": "orders",
            "model_name": "order",
            "field_name": "attributed_partner",
            "term": "ann",
        },
    )
    assert response.status_code == 200
    assert [r["id"] for r in response.json()["results"]] == [str(partner.pk)]


def test_partial_refund_page_refunds_the_chosen_quantities(admin_client, place, soap, cream):
    order = place(lines={soap.pk: 2, cream.pk: 1})
    order_mark_paid(order=order)
    url = f"/admin/orders/order/{order.pk}/refund/"
    assert "still refundable: 2 of 2" in admin_client.get(url).content.decode()
    soap_line = order.lines.get(product=soap)
    cream_line = order.lines.get(product=cream)

    too_many = admin_client.post(
        url, {f"line_{soap_line.pk}": 3, f"line_{cream_line.pk}": 0, "reason": "x"}
    )
    assert too_many.status_code == 200 and not Refund.objects.exists()

    response = admin_client.post(
        url, {f"line_{soap_line.pk}": 1, f"line_{cream_line.pk}": 0, "reason": "kaputt"}
    )
    assert response.status_code == 302
    refund = Refund.objects.get()
    assert (refund.amount, refund.qv) == (Decimal("12.50"), Decimal("10.00"))
    order.refresh_from_db()
    assert order.status == Order.Status.PAID


def test_partial_refund_action_needs_exactly_one_order(admin_client, two_orders):
    response = action(admin_client, "partial_refund", two_orders)
    assert any("exactly one order" in m for m in messages_of(response))
    redirect = admin_client.post(
        CHANGELIST, {"action": "partial_refund", "_selected_action": [two_orders[0].pk]}
    )
    assert redirect.url == f"/admin/orders/order/{two_orders[0].pk}/refund/"


def test_orders_cannot_be_added_edited_or_deleted_in_the_admin(admin_client, place):
    order = place()
    assert admin_client.get("/admin/orders/order/add/").status_code == 403
    admin_client.post(f"/admin/orders/order/{order.pk}/change/", {"status": "paid", "total": "0"})
    order.refresh_from_db()
    assert order.status == Order.Status.PENDING


def test_customer_rebind_action_logs_who_why_from_and_to(admin_client, place, partner, admin_user):
    place(code="anna")
    customer = Customer.objects.get()
    ben = PartnerFactory(slug="ben")
    data = {"action": "rebind", "_selected_action": [customer.pk]}
    assert "Bind customers" in admin_client.post("/admin/orders/customer/", data).content.decode()
    admin_client.post(
        "/admin/orders/customer/", {**data, "apply": "1", "partner": ben.pk, "reason": "Umzug"}
    )
    customer.refresh_from_db()
    assert customer.bound_partner == ben
    change = CustomerBindingChange.objects.get()
    assert (change.from_partner, change.to_partner, change.changed_by, change.reason) == (
        partner,
        ben,
        admin_user,
        "Umzug",
    )


# -- products


def image_file(size=(3000, 2000), fmt="PNG", name="foto.png"):
    buffer = io.BytesIO()
    Image.new("RGBA" if fmt == "PNG" else "RGB", size, (200, 100, 50, 255)).save(buffer, format=fmt)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type=f"image/{fmt.lower()}")


def product_form(**changes):
    return {
        "name": "Duschgel",
        "description": "mild",
        "price": "9.90",
        "tax_class": "standard",
        "qv": "8.00",
        "is_active": "on",
        "sort_order": "3",
        **changes,
    }


def test_product_image_is_resized_for_the_web_and_stored_as_jpeg(admin_client, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    response = admin_client.post("/admin/orders/product/add/", product_form(image=image_file()))
    assert response.status_code == 302
    product = Product.objects.get(name="Duschgel")
    assert product.image.name.endswith(".jpg")
    with Image.open(product.image.path) as stored:
        assert stored.format == "JPEG" and max(stored.size) == 1200 and stored.size == (1200, 800)
    assert (product.price, product.vat_rate, product.qv) == (
        Decimal("9.90"),
        Decimal("19.00"),
        Decimal("8.00"),
    )


def test_a_file_that_is_no_image_is_refused(admin_client, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    fake = SimpleUploadedFile("virus.jpg", b"MZ not an image", content_type="image/jpeg")
    response = admin_client.post("/admin/orders/product/add/", product_form(image=fake))
    assert response.status_code == 200 and not Product.objects.exists()


def test_product_list_edits_price_qv_and_active_inline(admin_client, soap):
    response = admin_client.get("/admin/orders/product/")
    html = response.content.decode()
    for field in ("price", "qv", "is_active"):
        assert f'name="form-0-{field}"' in html
    assert (
        admin_client.get("/admin/orders/product/", {"q": "Seif", "is_active__exact": "1"})
        .context["cl"]
        .result_count
        == 1
    )


def test_deactivating_a_product_removes_it_from_the_landing_page(admin_client, partner, soap):
    assert "Seife" in Client().get("/anna/").content.decode()
    admin_client.post(
        "/admin/orders/product/", {"action": "deactivate", "_selected_action": [soap.pk]}
    )
    assert "Seife" not in Client().get("/anna/").content.decode()


def test_price_edited_in_the_product_list_shows_on_the_landing_page_at_once(
    admin_client, partner, soap
):
    assert "12.50" in Client().get("/anna/").content.decode()
    response = admin_client.post(
        "/admin/orders/product/",
        {
            "form-TOTAL_FORMS": "1",
            "form-INITIAL_FORMS": "1",
            "form-MIN_NUM_FORMS": "0",
            "form-MAX_NUM_FORMS": "1000",
            "form-0-id": str(soap.pk),
            "form-0-price": "13.75",
            "form-0-qv": "11.00",
            "form-0-is_active": "on",
            "form-0-sort_order": "1",
            "_save": "Save",
        },
    )
    assert response.status_code == 302
    soap.refresh_from_db()
    assert (soap.price, soap.qv) == (Decimal("13.75"), Decimal("11.00"))
    html = Client().get("/anna/").content.decode()
    assert "13.75" in html and "12.50" not in html
