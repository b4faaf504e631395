"""The dashboard's section tabs on a 390 px phone: the current tab is in view,
an arrow shows on each side where more tabs are and goes away at the end."""

import pytest
from playwright.sync_api import expect

from qualification.services import period_current_open
from tests.dashboard.conftest import plan_create, team_create
from tests.e2e.conftest import PHONE, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_the_phone_tab_bar_shows_that_it_scrolls(live_server, new_context, artifacts):
    plan_create()
    team_create(period_current_open())
    page = new_context(phone=True).new_page()
    sign_in(page, live_server.url, "anna@example.com", "correct-horse-battery")

    # On the first tab: more tabs to the right only
    before, after = page.locator(".dash-nav__more--before"), page.locator(".dash-nav__more--after")
    expect(after).to_be_visible()
    expect(before).to_be_hidden()

    # A later tab is scrolled into view, with more tabs on both sides
    page.goto(f"{live_server.url}/dashboard/payouts/")
    current = page.locator(".dash-nav [aria-current=page]")
    box = current.bounding_box()
    assert box and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    expect(before).to_be_visible()
    expect(after).to_be_visible()
    page.screenshot(path=str(artifacts / "dashboard-tabs-phone.png"))

    # A tap on the right arrow until the end: the right arrow goes away
    for _ in range(6):
        if not after.is_visible():
            break
        after.click()
        page.wait_for_timeout(400)
    expect(after).to_be_hidden()
    expect(before).to_be_visible()
    last = page.locator(".dash-nav li:last-child a").bounding_box()
    assert last and last["x"] + last["width"] <= PHONE["width"] + 1
