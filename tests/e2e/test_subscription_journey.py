"""Issue 14 in a real browser: a customer on a phone starts a subscription on a
partner's page, the first cycle is created and collected, and the partner sees
the subscription and its volume."""

from decimal import Decimal

import pytest
from playwright.sync_api import expect

from orders.models import Order
from payouts.models import OrderDebit
from payouts.sepa import collection_date_earliest
from payouts.services import (
    debit_collection_approve,
    debit_collection_prepare,
    debit_collection_submit,
    order_debit_collect,
)
from qualification.models import VolumeEntry
from subscriptions.dates import company_today
from subscriptions.models import Subscription
from tests.e2e.conftest import sign_in
from tests.factories import PartnerFactory, ProductFactory, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct-horse-battery"


def test_customer_subscribes_on_a_phone_and_the_partner_sees_the_volume(
    live_server, new_context, artifacts
):
    base = live_server.url
    cream = ProductFactory(
        name="Rosencreme", price=Decimal("30.00"), cv=Decimal("25.21"), qv=Decimal("20")
    )
    PartnerFactory(slug="anna", first_name="Anna", last_name="Albers", email="anna@example.com")

    # A customer on a phone opens Anna's page and the product, "As a subscription"
    phone = new_context(phone=True).new_page()
    phone.goto(f"{base}/anna/")
    phone.goto(f"{base}/anna/p/{cream.pk}/")  # Anna's product link
    expect(phone.locator("body[data-visitor-ready]")).to_have_count(1)
    option = phone.locator("form.subscribe-option")
    expect(option).to_contain_text("10")  # the subscriber discount before ordering
    option.locator("select[name=interval]").select_option("1")
    option.locator("[type=submit]").click()
    phone.wait_for_url("**/abo/")

    # The subscription checkout: guest details, first date today, the SEPA mandate
    expect(phone.locator("#mandate-text")).to_contain_text("SEPA")
    phone.fill("input[name=first_date]", company_today().isoformat())
    for name, value in {
        "email": "kim@example.org",
        "first_name": "Kim",
        "last_name": "Kunde",
        "street": "Lindenweg 5",
        "postal_code": "50667",
        "city": "Köln",
        "account_holder": "Kim Kunde",
        "iban": "DE89 3704 0044 0532 0130 00",
    }.items():
        phone.fill(f"input[name={name}]", value)
    for name in ("accept_mandate", "accept_terms"):
        phone.check(f"input[name={name}]")
    phone.screenshot(path=str(artifacts / "subscription-checkout-phone.png"), full_page=True)
    phone.locator("form.form [type=submit]").click()
    phone.wait_for_url("**/abo/m/**")
    expect(phone.locator("h1")).to_contain_text("ABO-")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390

    # The first cycle's order exists for Anna and is collected by direct debit
    # (prepared by one admin, approved and sent by another, credited by the bank)
    subscription = Subscription.objects.get()
    assert subscription.partner.slug == "anna"
    order = Order.objects.get()
    assert order.payment_method == Order.PaymentMethod.DIRECT_DEBIT
    preparer = UserFactory(is_staff=True, is_superuser=True)
    approver = UserFactory(is_staff=True, is_superuser=True)
    collection_date = collection_date_earliest(today=company_today())
    collection = debit_collection_prepare(collection_date=collection_date, actor=preparer)
    collection = debit_collection_approve(collection=collection, actor=approver)
    debit_collection_submit(collection=collection, actor=approver)
    assert order_debit_collect(
        debit=OrderDebit.objects.get(order=order), collected_on=collection_date
    )
    order.refresh_from_db()
    assert order.status == Order.Status.PAID

    # Its 20 QV are Anna's, booked in the period of the collection
    entries = VolumeEntry.objects.filter(partner__slug="anna")
    assert sum(e.qv for e in entries) == Decimal("20")
    assert {e.period.start for e in entries} == {collection_date.replace(day=1)}

    # Anna sees the subscription and its volume on her dashboard
    desktop = new_context().new_page()
    sign_in(desktop, base, "anna@example.com", PASSWORD)
    desktop.goto(f"{base}/dashboard/customers/")
    expect(desktop.locator("[data-testid=subs-active]")).to_have_text("1")
    expect(desktop.locator("[data-testid=subs-monthly]")).to_have_text("20")
    expect(desktop.locator("[data-testid=subscriptions]")).to_contain_text("Kim K.")

    # The customer cancels from the footer of any page, without signing in, in one step
    phone.goto(f"{base}/anna/")
    link = phone.locator("footer a.footer-cancel")
    expect(link).to_be_attached()
    phone.goto(base + link.get_attribute("href"))  # (the consent banner may cover the footer)
    phone.fill("input[name=email]", "kim@example.org")
    # the e-mail alone identifies no contract (§312k BGB): the holder's last name with it
    phone.fill("input[name=last_name]", "Kunde")
    phone.locator("form.form [type=submit]").click()
    expect(phone.locator("[role=status] h1")).to_be_visible()
    subscription.refresh_from_db()
    assert subscription.status == Subscription.Status.CANCELLED
