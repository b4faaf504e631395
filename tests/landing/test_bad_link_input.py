"""The bad-input sweep (tests/mlm/test_bad_input.py) over the sharing links:
product pages under a partner, campaign links, the visitor request with a
product and a campaign, the add-to-cart with `c` and utm_*, and the dashboard's
Links forms. Never a server error, no NUL reaching the database."""

import pytest

from tests.mlm.test_bad_input import (  # noqa: F401 - fixtures used by name
    BAD_VALUES,
    assert_no_server_error,
    browser,
    no_nul_reaches_the_database,
    shop,
    variants,
)

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("value", BAD_VALUES)
def test_bad_product_and_campaign_paths(value, shop):  # noqa: F811
    client = browser()
    segment = value.replace("/", "%2F")
    for path in (
        f"/anna/p/{shop.pk}-{segment}/",
        f"/anna/p/{segment}/",
        f"/anna/c/{segment}/",
        f"/{segment}/p/{shop.pk}-x/",
        f"/{segment}/c/story/",
    ):
        assert_no_server_error(client.get(path), f"GET {path[:40]!r}")


def test_bad_query_strings_on_links_and_the_visitor_request(shop):  # noqa: F811
    client = browser()
    for value in BAD_VALUES:
        for path in (f"/anna/p/{shop.pk}-x/", "/anna/c/story/", "/anna/me/"):
            for param in ("p", "c", "utm_source", "next"):
                response = client.get(path, {param: value})
                assert_no_server_error(response, f"GET {path}?{param}={value[:20]!r}")
        response = client.get("/anna/me/", {"next": f"/anna/?c={value}&utm_source={value}"})
        assert_no_server_error(response, f"visitor next with {value[:20]!r}")


def test_bad_campaign_and_utm_fields_at_the_first_action(shop):  # noqa: F811
    client = browser()
    form = {
        "product": str(shop.pk),
        "quantity": "1",
        "next": "/anna/",
        "ref": "anna",
        "c": "story",
        "utm_source": "insta",
    }
    for name, data in variants(form):
        assert_no_server_error(client.post("/cart/add/", data), f"cart add {name}")


def test_bad_input_on_the_links_tab(shop, django_user_model):  # noqa: F811
    from partners.models import Partner

    client = browser()
    client.force_login(Partner.objects.get(slug="anna").user)
    for action, form in (
        ("campaign", {"name": "story"}),
        ("code", {"code": "anna10"}),
        ("featured", {"featured": str(shop.pk), f"position_{shop.pk}": "1"}),
        ("campaign_delete", {"campaign": "1"}),
    ):
        for name, data in variants({"action": action, **form}):
            response = client.post("/dashboard/links/", data)
            assert_no_server_error(response, f"links {action} {name}")
    for value in BAD_VALUES:
        assert_no_server_error(client.get("/dashboard/links/", {"days": value, "c": value}), value)
