"""The read-only partner API: shapes, decimals as strings, clear 400s, tokens,
and nobody else's data."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from dashboard.services import api_token_create, api_token_revoke
from partners.api_auth import token_hash
from partners.models import ApiToken
from qualification.models import Period
from tests.dashboard.conftest import client_for, stats_set
from tests.factories import CustomerFactory, OrderFactory, UserFactory


def token_client(raw: str) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Token {raw}")


@pytest.mark.django_db
def test_me_describes_the_partner_and_their_sponsor(team, settings):
    settings.SITE_URL = "https://shop.example"

    body = client_for(team.ben).get("/api/v1/me").json()

    assert body["slug"] == "ben"
    assert body["name"] == "Ben Brandt"
    assert body["landing_url"] == "https://shop.example/ben/"
    assert body["invite_url"] == "https://shop.example/join/ben/"
    assert body["status"] == "active"
    assert body["sponsor"] == {"slug": "anna", "name": "Anna Albers"}


@pytest.mark.django_db
def test_me_of_a_root_partner_has_no_sponsor(team):
    assert client_for(team.anna).get("/api/v1/me").json()["sponsor"] is None


@pytest.mark.django_db
def test_qualification_gives_volumes_as_strings_and_the_next_rank(team):
    body = client_for(team.anna).get("/api/v1/me/qualification").json()

    assert body["pv"] == "160.00"
    assert body["own_pv"] == "160.00"
    assert body["customer_pv"] == "0.00"
    assert body["gv"] == "2230.00"
    assert body["paid_as_rank"] == {"level": 2, "name": "Silver"}
    assert body["title_rank"] is None
    assert body["next_rank"]["name"] == "Gold"
    assert body["next_rank"]["requirements"] == [
        {"key": "pv", "have": "160.00", "need": "150.00", "missing": "0.00", "met": True},
        {"key": "qgv", "have": "2230.00", "need": "4000.00", "missing": "1770.00", "met": False},
        {"key": "legs", "have": "1", "need": "2", "missing": "1", "met": False},
    ]


@pytest.mark.django_db
def test_qualification_of_a_past_period(team):
    old = Period.objects.create(start=dt.date(2025, 3, 1), status=Period.Status.CLOSED)
    stats_set(team.anna, old, pv="42.50", gv="99", level=0)

    body = client_for(team.anna).get("/api/v1/me/qualification?period=2025-03").json()

    assert (body["period"], body["pv"], body["gv"], body["days_left"]) == (
        "2025-03",
        "42.50",
        "99.00",
        0,
    )
    assert body["paid_as_rank"] is None


@pytest.mark.django_db
@pytest.mark.parametrize("bad", ["2026-13", "2026-00", "abc", "2026-1", "26-01"])
def test_bad_period_is_a_400_with_a_clear_message(team, bad):
    response = client_for(team.anna).get("/api/v1/me/qualification", {"period": bad})

    assert response.status_code == 400
    assert "period" in response.json()
    assert (
        "YYYY-MM" in response.json()["period"][0]
        or "not a valid month" in response.json()["period"][0]
    )


@pytest.mark.django_db
def test_period_without_results_is_not_found(team):
    response = client_for(team.anna).get("/api/v1/me/qualification?period=1999-01")

    assert response.status_code == 404


@pytest.mark.django_db
def test_team_level_one_is_the_direct_partners(team):
    body = client_for(team.anna).get("/api/v1/me/team?level=1").json()

    assert body["count"] == 2
    rows = {row["slug"]: row for row in body["results"]}
    assert set(rows) == {"ben", "clara"}
    assert rows["ben"] == {
        "slug": "ben",
        "name": "Ben Brandt",
        "level": 1,
        "sponsor_slug": "anna",
        "status": "active",
        "joined_at": rows["ben"]["joined_at"],
        "pv": "120.00",
        "gv": "1070.00",
        "paid_as_rank": {"level": 2, "name": "Silver"},
    }


@pytest.mark.django_db
def test_team_level_two_and_nobody_elses_team(team):
    anna_level_2 = client_for(team.anna).get("/api/v1/me/team?level=2").json()
    ben_level_1 = client_for(team.ben).get("/api/v1/me/team?level=1&partner=anna").json()

    assert {r["slug"] for r in anna_level_2["results"]} == {"dora", "emil", "finn"}
    assert {r["slug"] for r in ben_level_1["results"]} == {"dora", "emil"}


@pytest.mark.django_db
def test_team_is_paginated(team):
    body = client_for(team.anna).get("/api/v1/me/team?level=2").json()

    assert set(body) == {"count", "next", "previous", "results"}


@pytest.mark.django_db
@pytest.mark.parametrize("bad", ["0", "-1", "abc", "1.5", ""])
def test_bad_team_level_is_a_400(team, bad):
    response = client_for(team.anna).get("/api/v1/me/team", {"level": bad})

    assert response.status_code == 400
    assert "level" in response.json()


@pytest.mark.django_db
def test_orders_lists_only_orders_attributed_to_me(team):
    mine = OrderFactory(attributed_partner=team.ben, qv_total=Decimal("12.5"))
    OrderFactory(attributed_partner=team.anna)
    OrderFactory(attributed_partner=None)

    body = client_for(team.ben).get("/api/v1/me/orders").json()

    assert body["count"] == 1
    [row] = body["results"]
    assert row["number"] == mine.number
    assert row["qv"] == "12.50"
    assert row["total"] == "125.00"
    assert row["status"] == "pending"
    assert "email" not in row and "street" not in row


@pytest.mark.django_db
def test_token_reads_the_owners_data_and_records_use(team):
    token, raw = api_token_create(partner=team.clara, name="sheet")

    response = token_client(raw).get("/api/v1/me")

    assert response.status_code == 200
    assert response.json()["slug"] == "clara"
    token.refresh_from_db()
    assert token.last_used_at is not None


@pytest.mark.django_db
def test_only_the_hash_of_a_token_is_stored(team):
    token, raw = api_token_create(partner=team.clara, name="sheet")

    assert token.token_hash == token_hash(raw)
    assert raw not in {token.token_hash, token.prefix, token.name}
    assert raw.startswith(token.prefix)


@pytest.mark.django_db
def test_revoked_or_unknown_token_is_401(team):
    token, raw = api_token_create(partner=team.clara, name="sheet")
    api_token_revoke(partner=team.clara, token_id=token.pk)

    revoked = token_client(raw).get("/api/v1/me")
    unknown = token_client("not-a-token").get("/api/v1/me")

    assert revoked.status_code == unknown.status_code == 401


@pytest.mark.django_db
def test_anonymous_api_call_is_401():
    assert Client().get("/api/v1/me/qualification").status_code == 401


@pytest.mark.django_db
def test_staff_without_partner_gets_403_from_the_api():
    client = Client()
    client.force_login(UserFactory(is_staff=True))

    assert client.get("/api/v1/me").status_code == 403


@pytest.mark.django_db
def test_api_is_read_only(team):
    assert client_for(team.anna).post("/api/v1/me", {}).status_code in (403, 405)
    _token, raw = api_token_create(partner=team.anna, name="x")
    assert token_client(raw).post("/api/v1/me/orders", {}).status_code == 405


@pytest.mark.django_db
def test_schema_and_docs_are_published():
    schema = Client().get("/api/schema/")
    docs = Client().get("/api/docs/")

    assert schema.status_code == 200
    text = schema.content.decode()
    for path in ("/api/v1/me", "/api/v1/me/qualification", "/api/v1/me/team", "/api/v1/me/orders"):
        assert path + ":" in text
    assert docs.status_code == 200
    html = docs.content.decode()
    assert "swagger-ui" in html
    # Everything the docs page loads is served by us (no CDN).
    loaded = re.findall(r'(?:src|href)=["\']([^"\']+)', html)
    assert loaded and all(url.startswith("/") and not url.startswith("//") for url in loaded)


@pytest.mark.django_db
def test_token_created_on_the_dashboard_is_shown_once_and_works(team):
    dashboard = client_for(team.dora)

    created = dashboard.post("/dashboard/api-tokens/", {"name": "my website"})
    html = created.content.decode()
    token = ApiToken.objects.get(partner=team.dora)
    raw = html.split('data-testid="new-token"')[0].rsplit('value="', 1)[1].split('"', 1)[0]
    listed_later = dashboard.get("/dashboard/api-tokens/").content.decode()

    assert created["Cache-Control"] == "no-store"
    assert token_hash(raw) == token.token_hash
    assert raw not in listed_later
    assert token_client(raw).get("/api/v1/me").json()["slug"] == "dora"

    dashboard.post(f"/dashboard/api-tokens/{token.pk}/revoke/")

    assert token_client(raw).get("/api/v1/me").status_code == 401


@pytest.mark.django_db
def test_token_needs_a_name(team):
    response = client_for(team.dora).post("/dashboard/api-tokens/", {"name": "  "})

    assert response.status_code == 400
    assert not ApiToken.objects.exists()


@pytest.mark.django_db
def test_token_of_a_deactivated_login_is_refused(team):
    _token, raw = api_token_create(partner=team.emil, name="x")
    team.emil.user.is_active = False
    team.emil.user.save()

    assert token_client(raw).get("/api/v1/me").status_code == 401


@pytest.mark.django_db
def test_customer_and_order_data_of_others_never_appears(team):
    customer = CustomerFactory(bound_partner=team.anna, bound_at=timezone.now())
    OrderFactory(customer=customer, attributed_partner=team.anna)

    ben = client_for(team.ben)

    assert ben.get("/api/v1/me/orders").json()["count"] == 0
    assert customer.email not in ben.get("/dashboard/customers/").content.decode()
