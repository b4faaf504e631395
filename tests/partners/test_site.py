"""Site-wide: reserved top-level paths, the language switch, the base layout."""

import re

import pytest
from django.test import Client
from django.urls import URLResolver, get_resolver

from mlm.reserved_paths import RESERVED_PATHS
from partners.slugs import slug_problems
from tests.factories import PartnerFactory

pytestmark = pytest.mark.django_db


def first_segments(patterns, prefix=""):
    """Literal first path segments of every URL, following includes at ""."""
    for entry in patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver) and route in ("", "^"):
            yield from first_segments(entry.url_patterns, prefix)
            continue
        route = route.lstrip("^")
        if not route or route.startswith(("<", "(")):
            continue  # the empty start page, or a landing page /<slug>/
        yield re.split(r"[/<(\\$]", route, maxsplit=1)[0]


def test_every_top_level_path_of_the_site_is_reserved_for_slugs():
    segments = set(first_segments(get_resolver().url_patterns))
    assert {"admin", "accounts", "join"} <= segments  # the walk sees the URLconf

    # A segment that could be a slug must be reserved (a dot, e.g. robots.txt, can't be one).
    could_be_slugs = {
        s for s in segments if not slug_problems(s.lower()) or s.lower() in RESERVED_PATHS
    }
    missing = sorted(s for s in could_be_slugs if s.lower() not in RESERVED_PATHS)

    assert missing == [], f"add these top-level paths to mlm/reserved_paths.py: {missing}"


def test_a_slug_that_is_a_top_level_path_is_refused():
    for segment in ("admin", "accounts", "join", "partner", "i18n", "static", "media"):
        assert slug_problems(segment), segment


def test_site_speaks_german_by_default(db):
    browser = Client()

    html = browser.get("/accounts/login/").content.decode()

    assert '<html lang="de">' in html
    assert "Passwort" in html
    assert re.search(r'value="de"[^>]*aria-pressed="true"', html)


def test_language_switch_renders_english_when_chosen(db):
    browser = Client()
    page = browser.get("/accounts/login/").content.decode()
    assert 'action="/i18n/setlang/"' in page and 'name="language" value="en"' in page

    response = browser.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"})

    assert response.status_code == 302 and response["Location"] == "/accounts/login/"
    html = browser.get("/accounts/login/").content.decode()
    assert '<html lang="en">' in html
    assert "Password" in html and "Passwort" not in html
    assert re.search(r'value="en"[^>]*aria-pressed="true"', html)


def test_base_layout_is_accessible_and_links_the_account(client):
    html = client.get("/partner/terms/").content.decode()

    assert '<a class="skip-link" href="#main">' in html
    assert '<main id="main"' in html
    assert 'href="/accounts/login/"' in html
    assert 'href="/dashboard/"' not in html  # only for signed-in users
    assert "/static/css/app.css" in html
    assert "/static/django_htmx/htmx-2.min.js" in html  # served locally, no CDN
    assert not re.search(r'(src|href)="(https?:)?//', html)  # nothing loaded from the net


def test_signed_in_partner_sees_dashboard_and_sign_out(client):
    partner = PartnerFactory()
    client.force_login(partner.user)

    html = client.get("/partner/terms/").content.decode()

    assert 'href="/dashboard/"' in html
    assert 'action="/accounts/logout/"' in html
