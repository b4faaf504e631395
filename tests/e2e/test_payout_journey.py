"""From sales to the credit note in a real browser (issue 10, "End-to-end proof"):

a partner on her phone fills in her payout details on the dashboard; an admin
closes last month in the Django admin and prepares a payout run; a second admin
(four eyes) approves it; the partner downloads her Gutschrift from the dashboard.
"""

import io
import re
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.utils import timezone, translation
from playwright.sync_api import expect
from pypdf import PdfReader

from commissions.models import Statement
from orders.services import order_mark_paid
from payouts.models import CreditNote, PayoutItem, PayoutProfile, PayoutRun
from qualification.models import CommissionSettings, Period, Rank
from qualification.periods import period_name
from tests.e2e.conftest import sign_in
from tests.factories import OrderFactory, PartnerFactory, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct-horse-battery"
IBAN = "DE89370400440532013000"
IBAN_LABEL = re.compile(r"^IBAN\b")  # not "Current IBAN", not the BIC


def last_month_day(day: int) -> datetime:
    """A moment in the month before the current one (company time)."""
    first_of_this_month = timezone.localtime().replace(
        day=1, hour=12, minute=0, second=0, microsecond=0
    )
    return (first_of_this_month - timedelta(days=1)).replace(day=day)


def test_partner_is_paid_and_downloads_her_credit_note(live_server, new_context, artifacts):
    base = live_server.url
    # Given a plan paying 15 % on customer sales from 100 PV (minimum payout 25 EUR)
    Rank.objects.create(
        level=1,
        name="Bronze",
        min_pv=Decimal("100"),
        min_gv=Decimal("0"),
        customer_percent=Decimal("15"),
        team_percents=["5"],
    )
    CommissionSettings.objects.create(
        base_customer_percent=Decimal("10"), active_min_pv=Decimal("50"), min_payout=Decimal("25")
    )
    # and Anna, whose customers paid two orders last month (300 EUR CV together)
    anna = PartnerFactory(
        slug="anna-albers", first_name="Anna", last_name="Albers", email="anna@example.com"
    )
    for day in (5, 12):
        at = last_month_day(day)
        order = OrderFactory(
            attributed_partner=anna, qv_total=Decimal("60"), cv=Decimal("150.00"), placed_at=at
        )
        order_mark_paid(order=order, paid_at=at)
    period = Period.objects.get(start=last_month_day(1).date())
    assert period.status == Period.Status.OPEN
    # and two admins: one closes and prepares, the other may only approve (four eyes)
    UserFactory(email="carla@example.com", is_staff=True, is_superuser=True)
    approver = UserFactory(email="david@example.com", is_staff=True)
    approver.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="payouts",
            codename__in=["approve_payoutrun", "view_payoutrun"],
        )
    )

    # When Anna, on her phone, opens the payouts page of her dashboard
    partner_page = new_context(phone=True).new_page()
    sign_in(partner_page, base, "anna@example.com", PASSWORD)
    partner_page.get_by_role("navigation", name="Dashboard sections").get_by_role(
        "link", name="Payouts"
    ).click()
    partner_page.wait_for_url("**/dashboard/payouts/")
    expect(partner_page.get_by_test_id("payout-missing")).to_contain_text("Your payout details")

    # and fills in her details: account, address, small business with a Steuernummer
    form = partner_page.locator("form:has([name=iban])")
    form.get_by_label("Account holder").fill("Anna Albers")
    form.get_by_label(IBAN_LABEL).fill("DE89 3704 0044 0532 0130 00")
    form.get_by_label("Street and number").fill("Lindenweg 5")
    form.get_by_label("Postal code").fill("50667")
    form.get_by_label("City").fill("Köln")
    form.get_by_label("Country (ISO code)").fill("DE")
    form.get_by_label("Tax status").select_option("small_business")
    form.get_by_label("Tax number (Steuernummer)").fill("21/815/08150")
    # Without her password the IBAN is not taken
    form.get_by_role("button", name="Save payout details").click()
    expect(partner_page.locator("#id_password_error")).to_contain_text(
        "Please enter your password to change your IBAN."
    )
    assert not PayoutProfile.objects.filter(partner=anna).exists()
    form.get_by_label(IBAN_LABEL).fill("DE89 3704 0044 0532 0130 00")
    form.get_by_label("Your password").fill(PASSWORD)
    form.get_by_role("button", name="Save payout details").click()

    # Then she sees her details complete, the IBAN masked
    expect(partner_page.get_by_text("Your payout details are saved.")).to_be_visible()
    expect(partner_page.get_by_test_id("payout-ready")).to_be_visible()
    expect(partner_page.get_by_test_id("iban-masked")).to_have_text("DE89 **** **** **** **30 00")
    partner_page.screenshot(path=str(artifacts / "payout-profile-phone.png"), full_page=True)
    profile = PayoutProfile.objects.get(partner=anna)
    assert profile.iban == IBAN
    # a first IBAN is no change: nothing holds her payout
    assert profile.hold_until is None

    # When the first admin closes last month in the admin
    admin_page = new_context().new_page()
    sign_in(
        admin_page,
        base,
        "carla@example.com",
        PASSWORD,
        next_path="/admin/qualification/period/",
    )
    admin_page.locator(f"input.action-select[value='{period.pk}']").check()
    admin_page.locator("select[name=action]").select_option("close_periods")
    admin_page.locator("button[name=index]").click()
    admin_page.get_by_role("button", name="Yes, close and freeze").click()
    expect(admin_page.locator(".messagelist")).to_contain_text(f"Period {period.label} is closed")
    period.refresh_from_db()
    assert period.status == Period.Status.CLOSED
    statement = Statement.objects.get(period=period, partner=anna)
    assert statement.payout == Decimal("45.00")  # 15 % of 300 EUR CV

    # and prepares a payout run
    admin_page.goto(f"{base}/admin/payouts/payoutrun/")
    admin_page.get_by_role("button", name="Prepare a payout run").click()
    expect(admin_page.locator(".messagelist")).to_contain_text(
        "Payout run prepared: 45.00 EUR. Another admin must approve it."
    )
    admin_page.screenshot(path=str(artifacts / "payout-run-prepared-desktop.png"), full_page=True)
    run = PayoutRun.objects.get()
    assert run.status == PayoutRun.Status.PREPARED
    assert run.skipped == []

    # Then the preparer cannot approve her own run
    admin_page.goto(f"{base}/admin/payouts/payoutrun/")
    admin_page.locator(f"input.action-select[value='{run.pk}']").check()
    admin_page.locator("select[name=action]").select_option("approve")
    admin_page.locator("button[name=index]").click()
    expect(admin_page.locator(".messagelist")).to_contain_text("another admin has to approve it")
    run.refresh_from_db()
    assert run.status == PayoutRun.Status.PREPARED

    # When the second admin approves it
    approver_page = new_context().new_page()
    sign_in(
        approver_page,
        base,
        "david@example.com",
        PASSWORD,
        next_path="/admin/payouts/payoutrun/",
    )
    approver_page.locator(f"input.action-select[value='{run.pk}']").check()
    approver_page.locator("select[name=action]").select_option("approve")
    approver_page.locator("button[name=index]").click()
    expect(approver_page.locator(".messagelist")).to_contain_text(
        "1 payout run approved; credit notes issued."
    )
    approver_page.screenshot(
        path=str(artifacts / "payout-run-approved-desktop.png"), full_page=True
    )
    run.refresh_from_db()
    assert run.status == PayoutRun.Status.APPROVED
    assert run.approved_by_id == approver.pk
    year = timezone.localdate().year
    number = f"GS-{year}-000001"
    note = CreditNote.objects.get()
    assert note.number == number
    assert PayoutItem.objects.get(partner=anna).status == PayoutItem.Status.IN_RUN

    # Then Anna finds the credit note on her payouts page and downloads the PDF
    partner_page.reload()
    # the table names the month as people read it ("November 2026"), not its code
    with translation.override("en"):
        row = partner_page.locator("tr", has_text=period_name(period))
    expect(row).to_contain_text("45.00")
    with partner_page.expect_download() as download_info:
        row.get_by_role("link", name=number).click()
    download = download_info.value
    assert download.suggested_filename.endswith(".pdf")
    data = open(download.path(), "rb").read()  # noqa: SIM115 (Playwright owns the file)
    assert data.startswith(b"%PDF-")
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    assert "Gutschrift" in text
    assert number in text
    assert "Anna Albers" in text
    assert "45,00" in text
    partner_page.screenshot(path=str(artifacts / "payout-credit-note-phone.png"), full_page=True)
