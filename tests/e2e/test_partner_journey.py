"""The whole story in a real browser (issue 5, "End-to-end proof"):

a new partner signs up through their sponsor's invite link and finds their
landing page address on the dashboard; a customer on a phone orders there as a
guest; an admin marks the order paid; the partner's dashboard, open all along,
shows the new PV and the sponsor's GV grows, without anyone reloading a page.
"""

from decimal import Decimal

import pytest
from playwright.sync_api import expect

from orders.models import Order
from partners.models import Partner, User
from qualification.models import Rank
from tests.e2e.conftest import DESKTOP, PHONE, sign_in
from tests.factories import PartnerFactory, ProductFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct-horse-battery"
NEW_PASSWORD = "Lavendel-Wiese-2026"


def stat(page, name: str):
    return page.locator(f"#live [data-stat={name}]")


def test_invited_partner_sees_a_customer_order_land_on_the_dashboard(
    live_server, new_context, artifacts
):
    base = live_server.url
    # Given a company with a rank plan, a product and one partner, Sophie
    Rank.objects.create(level=1, name="Bronze", min_pv=Decimal("20"), min_gv=Decimal("0"))
    Rank.objects.create(
        level=2,
        name="Silver",
        min_pv=Decimal("50"),
        min_gv=Decimal("500"),
        max_leg_percent=Decimal("60"),
    )
    ProductFactory(name="Rosenblüten-Gesichtsöl", price=Decimal("34.90"), qv=Decimal("28.00"))
    sponsor = PartnerFactory(
        slug="sophie", first_name="Sophie", last_name="Sommer", email="sophie@example.com"
    )
    User.objects.create_superuser(email="admin@example.com", password=PASSWORD)

    # Sophie watches her dashboard
    sponsor_page = new_context().new_page()
    sign_in(sponsor_page, base, "sophie@example.com", PASSWORD)
    expect(stat(sponsor_page, "gv")).to_have_text("0")
    sponsor_page.evaluate("window.__sameDocument = true")

    # When Lena follows Sophie's invite link and signs up
    partner_context = new_context()
    partner_context.grant_permissions(["clipboard-read", "clipboard-write"], origin=base)
    partner_page = partner_context.new_page()
    partner_page.goto(f"{base}/join/sophie/")
    expect(partner_page.locator("input[name=sponsor]")).to_have_value("sophie")
    partner_page.locator("input[name=first_name]").fill("Lena")
    partner_page.locator("input[name=last_name]").fill("Lindner")
    partner_page.locator("input[name=email]").fill("lena@example.com")
    partner_page.locator("input[name=slug]").fill("lena-lindner")
    partner_page.locator("input[name=password1]").fill(NEW_PASSWORD)
    partner_page.locator("input[name=password2]").fill(NEW_PASSWORD)
    partner_page.locator("input[name=accept_terms]").check()
    partner_page.get_by_role("button", name="Create my partner account").click()
    partner_page.wait_for_url("**/partner/welcome/")

    # Then she is Sophie's partner and finds her landing page address on the dashboard
    lena = Partner.objects.get(slug="lena-lindner")
    assert lena.sponsor_id == sponsor.pk
    partner_page.goto(f"{base}/dashboard/")
    landing_url = f"{base}/lena-lindner/"
    expect(partner_page.get_by_test_id("landing-url")).to_have_value(landing_url)
    partner_page.locator("[data-copy-target=landing-url]").click()
    expect(partner_page.locator("[data-copy-target=landing-url]")).to_have_text("Copied")
    copied = partner_page.evaluate("navigator.clipboard.readText()")
    assert copied == landing_url
    expect(stat(partner_page, "pv")).to_have_text("0")
    partner_page.evaluate("window.__sameDocument = true")

    # When a customer on a phone opens that address, adds a product and checks out as a guest
    customer_page = new_context(phone=True).new_page()
    customer_page.goto(copied)
    expect(customer_page.locator("#partner-name")).to_have_text("Lena Lindner")
    # the per-visitor bits (form token) arrive with one request after load
    expect(customer_page.locator("body[data-visitor-ready]")).to_have_count(1)
    customer_page.screenshot(path=str(artifacts / "landing-phone.png"), full_page=True)
    consent = customer_page.get_by_role("button", name="No, thanks")
    if consent.count():
        consent.click()
    card = customer_page.locator(".product-card", has_text="Rosenblüten-Gesichtsöl")
    card.get_by_role("button", name="Add to cart").click()
    # htmx: she stays on the page, the card says so and the header counts it
    expect(card.locator(".add-status")).to_contain_text("is in your cart")
    expect(customer_page.locator("#cart-count")).to_contain_text("1")
    expect(customer_page.locator("#partner-name")).to_have_text("Lena Lindner")
    customer_page.goto(f"{base}/cart/")
    customer_page.get_by_role("link", name="Proceed to checkout").click()
    customer_page.locator("input[name=email]").fill("mia.kundin@example.org")
    customer_page.locator("input[name=first_name]").fill("Mia")
    customer_page.locator("input[name=last_name]").fill("Kundin")
    customer_page.locator("input[name=street]").fill("Blumenweg 3")
    customer_page.locator("input[name=postal_code]").fill("10115")
    customer_page.locator("input[name=city]").fill("Berlin")
    customer_page.locator("input[name=payment_method][value=prepayment]").check()
    customer_page.locator("input[name=accept_terms]").check()
    customer_page.get_by_role("button", name="Continue to review").click()
    customer_page.get_by_role("button", name="Order with obligation to pay").click()

    # Then she sees the confirmation, and the order is Lena's
    expect(customer_page.get_by_role("heading", name="Thank you for your order!")).to_be_visible()
    order = Order.objects.get(email="mia.kundin@example.org")
    expect(customer_page.locator(".order-number")).to_have_text(order.number)
    customer_page.screenshot(path=str(artifacts / "confirmation-phone.png"), full_page=True)
    assert order.attributed_partner_id == lena.pk
    assert order.qv == Decimal("28.00")

    # Nothing counts while the order is unpaid
    partner_page.wait_for_timeout(2500)
    expect(stat(partner_page, "pv")).to_have_text("0")

    # When an admin marks the order paid in the admin
    admin_page = new_context().new_page()
    sign_in(admin_page, base, "admin@example.com", PASSWORD, next_path="/admin/orders/order/")
    admin_page.locator(f"input.action-select[value='{order.pk}']").check()
    admin_page.locator("select[name=action]").select_option("mark_paid")
    admin_page.locator("button[name=index]").click()
    expect(admin_page.locator(".messagelist")).to_contain_text("marked as paid")
    order.refresh_from_db()
    assert order.status == Order.Status.PAID

    # Then both dashboards, open all along, show the volume without a reload
    expect(stat(partner_page, "pv")).to_have_text("28", timeout=15_000)
    expect(stat(partner_page, "paid-as")).to_have_text("Bronze")
    expect(stat(sponsor_page, "gv")).to_have_text("28", timeout=15_000)
    assert partner_page.evaluate("window.__sameDocument") is True
    assert sponsor_page.evaluate("window.__sameDocument") is True

    # Screenshots for people: landing page on a desktop, dashboard on both
    partner_page.screenshot(path=str(artifacts / "dashboard-desktop.png"), full_page=True)
    partner_page.set_viewport_size(PHONE)
    partner_page.screenshot(path=str(artifacts / "dashboard-phone.png"), full_page=True)
    partner_page.set_viewport_size(DESKTOP)
    customer_page.set_viewport_size(DESKTOP)
    customer_page.goto(landing_url)
    customer_page.screenshot(path=str(artifacts / "landing-desktop.png"), full_page=True)
