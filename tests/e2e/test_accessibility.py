"""Accessibility in a real browser (issue 20, item 10): axe-core on every public
page and every dashboard tab, on a phone and on a desktop, over the demo data.

axe-core is vendored in tests/e2e/axe/ (MPL-2.0, test-only: never served) and
injected into each page by Playwright. Every violation found is printed and
written to test-artifacts/axe-violations.txt; a serious or critical one fails
the test. Beside the scan, the fixes axe cannot judge on its own are checked as
a keyboard or screen reader user would notice them: focus lands on the error
summary of a checkout that failed, the brand link is called what it shows, the
payouts table scrolls from the keyboard, a focus ring stays visible in Windows'
high-contrast (forced colours) mode.
"""

import io
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from playwright.sync_api import expect

from commissions.models import Statement
from orders.models import Product
from partners.models import Partner
from payouts.services import payout_profile_save, payout_run_approve, payout_run_prepare
from subscriptions.links import manage_url
from subscriptions.models import Subscription
from tests.e2e.conftest import sign_in
from tests.factories import ProductFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

AXE = Path(__file__).resolve().parent / "axe" / "axe.min.js"
BLOCKING = {"serious", "critical"}
PARTNER_EMAIL, PARTNER_PASSWORD = "anna@example.com", "Demo-Partner-2026"
ADMIN_EMAIL = "admin@example.com"

# axe's default rule set (WCAG 2.0-2.2 A/AA and best practices) plus the
# experimental check that a control's accessible name contains its visible label.
AXE_RUN = """async () => {
  const result = await axe.run(document, {
    resultTypes: ["violations"],
    rules: {"label-content-name-mismatch": {enabled: true}},
  });
  return result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 5).map(n => n.target.join(" ")),
    count: v.nodes.length,
  }));
}"""


def axe_scan(page) -> list[dict]:
    page.wait_for_load_state("load")
    if page.locator("body[data-visitor-url]").count():
        # public pages fetch their per-visitor bits (banner, form token) after load
        expect(page.locator("body[data-visitor-ready]")).to_have_count(1)
    if not page.evaluate("typeof window.axe === 'object'"):
        page.add_script_tag(path=str(AXE))
    return page.evaluate(AXE_RUN)


class Scanner:
    """Runs axe on each page it is shown and keeps what it found, by page."""

    def __init__(self, base: str, viewport: str):
        self.base, self.viewport = base, viewport
        self.found: dict[str, list[dict]] = {}
        self.seconds = 0.0

    def scan(self, page, name: str) -> None:
        started = time.monotonic()
        self.found[f"{self.viewport} {name} ({page.url.removeprefix(self.base)})"] = axe_scan(page)
        self.seconds += time.monotonic() - started

    def visit(self, page, name: str, path: str) -> None:
        response = page.goto(self.base + path)
        assert response is not None and response.status < 400, (name, path, response)
        self.scan(page, name)


def demo_company_with_a_payout() -> None:
    """The demo company, and Anna paid for last month: payout details, a run
    prepared by the demo admin and approved by a second one, her credit note."""
    call_command("seed_demo", stdout=io.StringIO())
    anna = Partner.objects.get(user__email=PARTNER_EMAIL)
    payout_profile_save(
        partner=anna,
        actor=anna.user,
        account_holder="Anna Albers",
        iban="DE89370400440532013000",
        street="Lindenweg 5",
        postal_code="50667",
        city="Köln",
        country="DE",
        tax_status="small_business",
        tax_number="21/815/08150",
        password=PARTNER_PASSWORD,
    )
    User = get_user_model()
    approver = User.objects.create_superuser(email="finance@example.com", password="x-Finance-1")
    run = payout_run_prepare(actor=User.objects.get(email=ADMIN_EMAIL))
    payout_run_approve(run=run, actor=approver)


def public_pages(scanner: Scanner, page) -> None:
    product = Product.objects.filter(is_active=True).order_by("pk").first()
    anna = Partner.objects.get(user__email=PARTNER_EMAIL)
    scanner.visit(page, "home", "/")
    scanner.visit(page, "landing page", f"/{anna.slug}/")
    consent = page.get_by_role("button", name="No, thanks")
    if consent.count():
        consent.click()
    scanner.visit(page, "partner's product page", f"/{anna.slug}/p/{product.pk}/")
    scanner.visit(page, "shop", "/shop/")
    scanner.visit(page, "product page", f"/shop/p/{product.pk}/")
    page.locator("form[action='/cart/add/'] [type=submit]").first.click()
    expect(page.locator(".add-status")).not_to_be_empty()
    scanner.visit(page, "cart", "/cart/")
    scanner.visit(page, "checkout form", "/checkout/")
    page.get_by_role("button", name="Continue to review").click()
    expect(page.locator(".form-errors")).to_be_visible()
    scanner.scan(page, "checkout form with errors")
    for name, value in {
        "email": "mia.kundin@example.org",
        "first_name": "Mia",
        "last_name": "Kundin",
        "street": "Blumenweg 3",
        "postal_code": "10115",
        "city": "Berlin",
    }.items():
        page.locator(f"input[name={name}]").fill(value)
    page.locator("input[name=payment_method][value=prepayment]").check()
    page.locator("input[name=accept_terms]").check()
    page.get_by_role("button", name="Continue to review").click()
    page.wait_for_url("**/checkout/review/")
    scanner.scan(page, "review")
    page.get_by_role("button", name="Order with obligation to pay").click()
    expect(page.get_by_role("heading", name="Thank you for your order!")).to_be_visible()
    scanner.scan(page, "confirmation")
    # a subscription: the offer on the product page, its checkout, the holder's page
    page.goto(f"{scanner.base}/shop/p/{product.pk}/")
    page.locator("form.subscribe-option [type=submit]").click()
    page.wait_for_url("**/abo/")
    scanner.scan(page, "subscription checkout")
    page.locator("form.form [type=submit]").click()
    expect(page.locator(".form-errors")).to_be_visible()
    scanner.scan(page, "subscription checkout with errors")
    subscription = Subscription.objects.order_by("pk").first()
    scanner.visit(page, "subscription page", manage_url(subscription).removeprefix(scanner.base))
    scanner.visit(page, "cancellation page", "/abo/kuendigen/")
    page.locator("form.form [type=submit]").click()
    page.wait_for_load_state("load")
    scanner.scan(page, "cancellation page with errors")
    scanner.visit(page, "sign-up", f"/join/{anna.slug}/")
    page.get_by_role("button", name="Create my partner account").click()
    page.wait_for_load_state("load")
    scanner.scan(page, "sign-up with errors")
    scanner.visit(page, "login", "/accounts/login/")
    page.locator("input[name=login]").fill(PARTNER_EMAIL)
    page.locator("input[name=password]").fill("not-the-password")
    page.locator("form:has(input[name=login]) [type=submit]").first.click()
    expect(page.locator(".form-errors")).to_be_visible()
    scanner.scan(page, "login with errors")
    scanner.visit(page, "password reset", "/accounts/password/reset/")
    scanner.visit(page, "legal notice", "/impressum/")
    scanner.visit(page, "privacy policy", "/datenschutz/")
    scanner.visit(page, "terms", "/agb/")
    scanner.visit(page, "partner terms", "/partner/terms/")
    scanner.visit(page, "cookie settings", "/consent/")
    response = page.goto(f"{scanner.base}/no-such-partner-here/")
    assert response is not None and response.status == 404
    scanner.scan(page, "not found")


def dashboard_tabs(scanner: Scanner, page) -> None:
    anna = Partner.objects.get(user__email=PARTNER_EMAIL)
    sign_in(page, scanner.base, PARTNER_EMAIL, PARTNER_PASSWORD)
    scanner.scan(page, "dashboard overview")
    tabs = page.get_by_role("navigation", name="Dashboard sections").get_by_role("link")
    paths = [tabs.nth(i).get_attribute("href") for i in range(tabs.count())]
    assert len(paths) >= 12, paths
    for path in paths:
        if path != "/dashboard/":
            scanner.visit(page, f"dashboard tab {path}", path)
    payouts_table_reached_by_keyboard(page)
    child = Partner.objects.filter(sponsor=anna, team_size__gt=0).order_by("pk").first()
    scanner.visit(page, "a partner's team", f"/dashboard/team/{child.pk}/")
    page.goto(f"{scanner.base}/dashboard/team/")
    page.locator(f"a[href='/dashboard/team/{child.pk}/']").click()
    expect(page.locator(f"#slot-{child.pk} li").first).to_be_visible()
    scanner.scan(page, "team tree opened")
    statement = Statement.objects.filter(partner=anna).order_by("-period__start").first()
    scanner.visit(page, "earnings statement", f"/dashboard/earnings/{statement.period.label}/")
    scanner.visit(page, "notification settings", "/dashboard/notifications/settings/")
    scanner.visit(page, "welcome", "/partner/welcome/")


def payouts_table_reached_by_keyboard(page) -> None:
    """The payouts table scrolls sideways on a phone: the keyboard reaches it
    (the Tab stop before the first link in it), and a screen reader names it."""
    page.goto(page.url.split("/dashboard/")[0] + "/dashboard/payouts/")
    region = page.get_by_role("region", name="Table of your payouts")
    region.get_by_role("link").first.focus()
    page.keyboard.press("Shift+Tab")
    expect(region).to_be_focused()


def report(found: dict[str, list[dict]], artifacts, *, seconds: float) -> list[str]:
    lines, blocking = [], []
    for where, violations in found.items():
        for v in violations:
            line = f"{where}: [{v['impact']}] {v['id']} ({v['count']}x) {v['help']} {v['nodes']}"
            lines.append(line)
            if v["impact"] in BLOCKING:
                blocking.append(line)
    text = "\n".join(lines) or "no violations"
    print(f"\naxe-core on {len(found)} pages ({seconds:.0f} s in axe):\n{text}")
    (artifacts / "axe-violations.txt").write_text(text + "\n", encoding="utf-8")
    return blocking


def test_every_page_on_a_phone_and_a_desktop_has_no_serious_accessibility_violation(
    live_server, new_context, artifacts
):
    started = time.monotonic()
    demo_company_with_a_payout()
    print(f"\ndemo data in {time.monotonic() - started:.0f} s")
    found, seconds = {}, 0.0
    for phone in (True, False):
        scanner = Scanner(live_server.url, "phone" if phone else "desktop")
        public_pages(scanner, new_context(phone=phone).new_page())
        dashboard_tabs(scanner, new_context(phone=phone).new_page())
        found.update(scanner.found)
        seconds += scanner.seconds
    blocking = report(found, artifacts, seconds=seconds)
    assert not blocking, "serious or critical violations:\n" + "\n".join(blocking)


def test_a_failed_checkout_puts_the_focus_on_the_error_summary(live_server, new_context):
    product = ProductFactory(name="Rosencreme")
    page = new_context(phone=True).new_page()
    page.goto(f"{live_server.url}/shop/p/{product.pk}/")
    page.locator("form[action='/cart/add/'] [type=submit]").click()
    expect(page.locator(".add-status")).not_to_be_empty()
    page.goto(f"{live_server.url}/checkout/")

    page.get_by_role("button", name="Continue to review").click()

    summary = page.get_by_role("alert").filter(has_text="Please correct the marked fields")
    expect(summary).to_be_focused()


def test_the_brand_link_is_called_what_it_shows(live_server, new_context):
    page = new_context().new_page()
    page.goto(f"{live_server.url}/impressum/")

    # its visible words (beside the initial drawn as a logo) are its whole name
    expect(page.locator("header a.brand .brand__name")).to_have_text(settings.COMPANY_NAME)
    expect(page.get_by_role("link", name=settings.COMPANY_NAME, exact=True)).to_have_count(1)


def test_shop_headings_go_down_one_level_at_a_time(live_server, new_context):
    ProductFactory(name="Rosencreme")
    page = new_context().new_page()
    page.goto(f"{live_server.url}/shop/")
    page.add_script_tag(path=str(AXE))

    levels = page.evaluate(
        "[...document.querySelectorAll('main h1, main h2, main h3')].map(h => +h.tagName[1])"
    )
    heading_order = page.evaluate(
        "async () => (await axe.run(document, {runOnly: ['heading-order']})).violations"
    )

    assert levels[:3] == [1, 2, 3]
    assert heading_order == []


def test_the_focus_ring_shows_in_forced_colours_mode(live_server, new_context):
    page = new_context().new_page()
    page.emulate_media(forced_colors="active")
    page.goto(f"{live_server.url}/accounts/login/")

    page.keyboard.press("Tab")  # the skip link
    page.keyboard.press("Tab")  # the brand link
    ring = page.evaluate(
        "(() => { const s = getComputedStyle(document.activeElement);"
        " return [document.activeElement.className, s.outlineStyle, s.outlineWidth]; })()"
    )
    page.locator("input[name=login]").focus()
    field = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")

    assert ring[0] == "brand"
    assert ring[1] != "none" and ring[2] != "0px", ring
    assert field != "none"
