"""The dashboard in a real browser: copy button, live numbers without reload,
higher-rank report card, team tree expansion, search, chart drawn."""

import re

import pytest
from playwright.sync_api import expect

from qualification.services import period_current_open
from tests.dashboard.conftest import plan_create, stats_set, team_create
from tests.e2e.conftest import PHONE, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct-horse-battery"


def test_dashboard_updates_itself_and_explains_the_next_rank(live_server, new_context, artifacts):
    # Given Anna's team with this month's results
    plan_create()
    period = period_current_open()
    team = team_create(period)
    context = new_context()
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    page = context.new_page()

    # When she signs in, she sees her address, can copy it, and sees her report card
    sign_in(page, live_server.url, "anna@example.com", PASSWORD)
    landing = page.get_by_test_id("landing-url")
    expect(landing).to_have_value(f"{live_server.url}/anna/")
    page.locator("[data-copy-target=landing-url]").click()
    expect(page.locator("[data-copy-target=landing-url]")).to_have_text("Copied")
    assert page.evaluate("navigator.clipboard.readText()") == f"{live_server.url}/anna/"
    live = page.locator("#live")
    expect(live.locator("[data-stat=pv]")).to_have_text("160")
    expect(live.locator("#report-title")).to_contain_text("Next rank: Gold")
    expect(live.locator("[data-leg=clara]")).to_contain_text("not yet")
    page.screenshot(path=str(artifacts / "dashboard-report-card-desktop.png"), full_page=True)

    # When new volume arrives, the numbers change without a reload
    page.evaluate("window.__sameDocument = true")
    stats_set(
        team.anna,
        period,
        pv="185",
        own_pv="160",
        customer_pv="25",
        gv="2255",
        level=2,
        name="Silver",
    )
    expect(live.locator("[data-stat=pv]")).to_have_text("185", timeout=10_000)
    expect(page.locator("#live [data-stat=gv]")).to_have_text("2,255")
    assert page.evaluate("window.__sameDocument") is True

    # And she can look at what a higher rank needs
    page.locator("#rank-picker").select_option(label="Platinum")
    expect(page.locator("#live #report-title")).to_contain_text("What Platinum needs")
    assert page.evaluate("window.__sameDocument") is True

    # The team opens level by level
    page.goto(f"{live_server.url}/dashboard/team/")
    tree = page.locator("section[aria-labelledby=tree-title]")
    expect(tree.locator("[data-partner=dora]")).to_have_count(0)
    toggle = tree.locator(f"a[href='/dashboard/team/{team.ben.pk}/']")
    toggle.click()
    expect(tree.locator("[data-partner=dora]")).to_be_visible()
    expect(tree.locator("[data-partner=emil]")).to_contain_text("450")
    expect(toggle).to_have_attribute("aria-expanded", "true")
    toggle.click()  # folds without a new request
    expect(tree.locator("[data-partner=dora]")).to_be_hidden()
    toggle.click()
    expect(tree.locator("[data-partner=dora]")).to_be_visible()

    # and the list searches as she types
    page.locator("#id_q").fill("fisch")
    expect(page.locator("#team-list tr[data-partner]")).to_have_count(1)
    expect(page.locator("#team-list")).to_contain_text("Finn Fischer")
    assert re.search(r"q=fisch", page.url)
    page.screenshot(path=str(artifacts / "dashboard-team-desktop.png"), full_page=True)

    # History draws its chart with the bundled Chart.js
    page.goto(f"{live_server.url}/dashboard/history/")
    page.wait_for_function(
        "window.Chart && Chart.getChart(document.querySelector('canvas[data-chart]'))"
    )

    # On a phone the dashboard fits the screen
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/dashboard/")
    expect(page.locator("#live [data-stat=pv]")).to_have_text("185")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    page.screenshot(path=str(artifacts / "dashboard-overview-phone.png"), full_page=True)
