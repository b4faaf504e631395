"""Every admin list fits a 1366 px laptop screen in German: over the demo data
(orders, partners, customers, statements, payout runs, ...), signed in as the
demo superuser, no list scrolls sideways (the results' scrollWidth stays
within their clientWidth, the navigation open and the filters beside)."""

import io

import pytest
from django.contrib import admin
from django.core.management import call_command
from django.urls import reverse

from tests.e2e.conftest import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

LAPTOP = {"width": 1366, "height": 768}
THIRD_PARTY = ("django_celery_beat", "account", "socialaccount", "sites")


def test_no_admin_list_scrolls_sideways_at_1366_px(live_server, chromium, artifacts):
    call_command("seed_demo", stdout=io.StringIO())
    context = chromium.new_context(viewport=LAPTOP, locale="de-DE", timezone_id="Europe/Berlin")
    context.set_default_timeout(15_000)
    page = context.new_page()
    sign_in(page, live_server.url, "admin@example.com", "Admin-Demo-2026", next_path="/admin/")
    wide = {}
    for model in admin.site._registry:
        if model._meta.app_label in THIRD_PARTY:
            continue
        path = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        page.goto(live_server.url + path)
        scroll, client = page.evaluate(
            "(() => { const r = document.querySelector('#changelist .results');"
            " return r ? [r.scrollWidth, r.clientWidth] : [0, 0]; })()"
        )
        if scroll > client:
            wide[path] = (scroll, client)
            page.screenshot(
                path=str(artifacts / f"admin-1366{path.replace('/', '-').rstrip('-')}.png")
            )
    context.close()
    assert not wide, f"lists wider than the screen (scrollWidth, clientWidth): {wide}"
