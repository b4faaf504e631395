"""Issue 22 in a real browser, on a phone: a customer orders on a partner's
page, the order is paid and shipped, the customer withdraws in two steps from
the footer link, gets the acknowledgement e-mail at once, the warehouse marks
the goods received, the order is refunded and the partner's PV goes down on the
dashboard."""

import io
from decimal import Decimal

import pytest
from django.core import mail
from playwright.sync_api import expect
from pypdf import PdfReader

from invoices.models import Invoice
from orders.models import Order
from orders.services import order_mark_paid
from partners.models import User
from returns.models import Return, Withdrawal
from tests.e2e.conftest import sign_in
from tests.factories import PartnerFactory, ProductFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct-horse-battery"


def stat(page, name: str):
    return page.locator(f"#live [data-stat={name}]")


def test_customer_withdraws_on_a_phone_and_the_refund_takes_the_pv_back(
    live_server, new_context, artifacts, settings
):
    settings.SHIPPING_FREE_FROM = Decimal("1000.00")
    base = live_server.url
    ProductFactory(name="Rosencreme", price=Decimal("30.00"), cv=Decimal("25.21"), qv=Decimal("24"))
    PartnerFactory(slug="anna", first_name="Anna", last_name="Albers", email="anna@example.com")
    User.objects.create_superuser(email="admin@example.com", password=PASSWORD)

    # A customer on a phone orders on Anna's page as a guest
    phone = new_context(phone=True).new_page()
    phone.goto(f"{base}/anna/")
    expect(phone.locator("body[data-visitor-ready]")).to_have_count(1)
    consent = phone.get_by_role("button", name="No, thanks")
    if consent.count():
        consent.click()
    phone.locator(".product-card", has_text="Rosencreme").get_by_role(
        "button", name="Add to cart"
    ).click()
    expect(phone.locator("#cart-count")).to_contain_text("1")
    phone.goto(f"{base}/cart/")
    phone.get_by_role("link", name="Proceed to checkout").click()
    for name, value in {
        "email": "mia@example.org",
        "first_name": "Mia",
        "last_name": "Kundin",
        "street": "Blumenweg 3",
        "postal_code": "10115",
        "city": "Berlin",
    }.items():
        phone.locator(f"input[name={name}]").fill(value)
    phone.locator("input[name=payment_method][value=prepayment]").check()
    phone.locator("input[name=accept_terms]").check()
    phone.get_by_role("button", name="Continue to review").click()
    phone.get_by_role("button", name="Order with obligation to pay").click()
    expect(phone.get_by_role("heading", name="Thank you for your order!")).to_be_visible()
    order = Order.objects.get(email="mia@example.org")
    assert order.attributed_partner.slug == "anna"
    # the confirmation e-mail carries the withdrawal link
    assert any(f"/widerruf/?order={order.number}" in m.body for m in mail.outbox)

    # The money arrives; an admin ships the order in the admin
    order_mark_paid(order=order)
    admin = new_context().new_page()
    sign_in(admin, base, "admin@example.com", PASSWORD, next_path="/admin/orders/order/")
    admin.locator(f"input.action-select[value='{order.pk}']").check()
    admin.locator("select[name=action]").select_option("ship")
    admin.locator("button[name=index]").click()
    expect(admin.locator(".messagelist")).to_contain_text("marked as shipped")

    # Anna sees the 24 PV on her dashboard
    dashboard = new_context().new_page()
    sign_in(dashboard, base, "anna@example.com", PASSWORD)
    expect(stat(dashboard, "pv")).to_have_text("24", timeout=15_000)

    # The customer withdraws from the footer of any page, in two steps, no account
    mail.outbox.clear()
    phone.goto(f"{base}/anna/")
    link = phone.locator("footer a.footer-withdraw")
    expect(link).to_have_text("Withdraw from contract here")
    phone.goto(base + link.get_attribute("href"))  # (the consent banner may cover the footer)
    phone.fill("input[name=name]", "Mia Kundin")
    phone.fill("input[name=reference]", order.number)
    phone.fill("input[name=email]", "mia@example.org")
    phone.get_by_role("button", name="Continue").click()
    expect(phone.locator("h1")).to_have_text("Confirm withdrawal")
    expect(phone.locator("[data-testid=withdraw-reference]")).to_have_text(order.number)
    assert not Withdrawal.objects.exists()  # nothing is declared before the second step
    phone.screenshot(path=str(artifacts / "withdrawal-confirm-phone.png"), full_page=True)
    phone.get_by_role("button", name="Confirm withdrawal").click()
    expect(phone.locator("[role=status] h1")).to_have_text("Withdrawal received")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    phone.screenshot(path=str(artifacts / "withdrawal-received-phone.png"), full_page=True)

    # The acknowledgement is in the customer's mailbox at once, with content, date and time
    withdrawal = Withdrawal.objects.get()
    assert withdrawal.order == order and withdrawal.status == Withdrawal.Status.OPEN
    [ack] = [m for m in mail.outbox if m.to == ["mia@example.org"]]
    assert "I hereby withdraw from the contract concluded by me" in ack.body
    assert order.number in ack.body and "1 x Rosencreme" in ack.body

    # The admin sees the open withdrawal with its deadline; the warehouse receives the goods
    admin.goto(f"{base}/admin/returns/withdrawal/")
    expect(admin.locator("#result_list")).to_contain_text(order.number)
    expect(admin.locator("#result_list")).to_contain_text("14 days left")
    ret = Return.objects.get()
    admin.goto(f"{base}/admin/returns/return/{ret.pk}/change/")
    admin.get_by_role("link", name="Goods received…").click()
    admin.get_by_role("button", name="Received: refund").click()
    expect(admin.locator(".messagelist")).to_contain_text(f"refunded on order {order.number}")

    # The order is refunded in full, shipping included; the customer is told
    order.refresh_from_db()
    assert order.status == Order.Status.REFUNDED
    assert order.refunds.get().amount == order.total == Decimal("34.90")
    assert any(m.to == ["mia@example.org"] and "has arrived" in m.subject for m in mail.outbox)

    # The company's books: the refund issued an invoice correction referencing the
    # invoice, and the customer got it as a PDF
    invoice = order.invoices.get(kind=Invoice.Kind.INVOICE)
    correction = order.invoices.get(kind=Invoice.Kind.CORRECTION)
    assert correction.corrects == invoice and correction.refund == order.refunds.get()
    [correction_mail] = [m for m in mail.outbox if correction.number in m.subject]
    [(name, pdf, mimetype)] = correction_mail.attachments
    assert mimetype == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert "Invoice correction" in text and correction.number in text and invoice.number in text
    assert "34.90" in text

    # Anna's PV goes down on her dashboard, which was open all along, and she is told
    expect(stat(dashboard, "pv")).to_have_text("0", timeout=15_000)
    dashboard.goto(f"{base}/dashboard/notifications/")
    expect(dashboard.locator("body")).to_contain_text(f"Return of order {order.number}, -24 PV")
    dashboard.set_viewport_size({"width": 390, "height": 844})
    dashboard.screenshot(path=str(artifacts / "withdrawal-dashboard-phone.png"), full_page=True)
