"""GET /api/v1/me/commissions and /api/v1/me/commissions/estimate: the caller's
own statement with its lines in words (paginated), the estimate labelled as one,
clear 400/404s, and both in the OpenAPI schema."""

import datetime as dt

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from dashboard.services import api_token_create
from qualification.services import period_current_open
from tests.commissions.earnings_data import (
    closed_period,
    earnings_create,
    estimate_create,
    line_create,
    statement_create,
)
from tests.dashboard.conftest import client_for, team_build
from tests.factories import PartnerFactory


@pytest.mark.django_db
def test_statement_of_a_period_with_figures_and_lines_in_words():
    data = earnings_create()

    body = client_for(data.anna, language="en").get("/api/v1/me/commissions?period=2026-10").json()

    assert body["period"] == "2026-10"
    assert body["paid_as_rank"] == {"level": 2, "name": "Silver"}
    assert body["customer_commission"] == "12.00"
    assert body["team_commission"] == "12.00"
    assert body["total"] == "24.00"
    assert body["payout"] == "0.00"
    assert body["carried_out"] == "24.00"
    assert "below the minimum payout of €25.00" in body["carry_reason"]
    lines = body["lines"]
    assert lines["count"] == 3 and lines["page"] == 1 and lines["next"] is None
    customer, team, skipped = lines["results"]
    assert customer["kind"] == "customer"
    assert customer["order_number"] == data.order_number
    assert team == {
        "kind": "team",
        "text": "€12.00 from Dora Dietz’s sales: €300.00 CV, generation 1, 4%",
        "amount": "12.00",
        "cv": "300.00",
        "percent": "4.0000",
        "factor": None,
        "generation": 1,
        "partner": {"slug": "dora", "name": "Dora Dietz"},
        "skipped_partner": None,
        "order_number": None,
        "rank_name": "",
        "reason": "",
    }
    assert customer["text"] == f"€12.00 from order {data.order_number}: €300.00 CV, 4%"


@pytest.mark.django_db
def test_a_skipped_line_says_who_and_why():
    data = earnings_create()

    body = client_for(data.anna, language="en").get("/api/v1/me/commissions?period=2026-10").json()

    (skipped,) = [line for line in body["lines"]["results"] if line["kind"] == "skipped"]
    assert skipped["reason"] == "below_min_pv"
    assert skipped["skipped_partner"] == {"slug": "ben", "name": "Ben Brandt"}
    assert skipped["partner"] == {"slug": "dora", "name": "Dora Dietz"}
    assert skipped["amount"] == "0.00" and skipped["generation"] == 1
    assert skipped["text"] == (
        "Ben Brandt was skipped (below 50 PV) and earns nothing on Dora Dietz’s sales "
        "(€300.00 CV): they count for you one generation closer, as generation 1."
    )


@pytest.mark.django_db
def test_lines_are_in_german_for_a_german_request():
    data = earnings_create()

    body = client_for(data.anna, language="de").get("/api/v1/me/commissions").json()

    assert body["period"] == "2026-10"  # the newest statement without ?period
    assert body["lines"]["results"][1]["text"] == (
        "12,00\u00a0€ aus Dora Dietz’ Umsatz: 300,00\u00a0€ CV, 1. Generation, 4\u00a0%"
    )


@pytest.mark.django_db
def test_lines_are_paginated_with_links():
    data = earnings_create()
    for _ in range(60):
        line_create(
            data.statement,
            "team",
            source_partner=data.dora,
            generation=1,
            cv="1.00",
            percent="1",
            amount="0.01",
        )
    client = client_for(data.anna)

    first = client.get("/api/v1/me/commissions?period=2026-10").json()["lines"]
    second = client.get(first["next"]).json()["lines"]

    assert first["count"] == 63 and first["pages"] == 2
    assert len(first["results"]) == 50
    assert "page=2" in first["next"] and "period=2026-10" in first["next"]
    assert len(second["results"]) == 13 and second["next"] is None
    assert second["previous"] is not None and "page=" not in second["previous"]


@pytest.mark.django_db
def test_bad_or_unknown_periods_get_clear_answers():
    data = earnings_create()
    client = client_for(data.anna, language="en")

    bad = client.get("/api/v1/me/commissions?period=10-2026")
    none = client.get("/api/v1/me/commissions?period=2026-08")
    open_period = client.get(f"/api/v1/me/commissions?period={period_current_open().label}")

    assert bad.status_code == 400
    assert "YYYY-MM" in bad.json()["period"][0]
    assert none.status_code == 404
    assert "no statement for 2026-08" in none.json()["detail"]
    assert open_period.status_code == 404


@pytest.mark.django_db
def test_another_partners_statement_is_not_reachable():
    data = earnings_create()

    dora = client_for(data.dora).get("/api/v1/me/commissions?period=2026-10")
    ben = client_for(data.ben).get("/api/v1/me/commissions?period=2026-10").json()

    assert dora.status_code == 404
    assert "Dora" not in dora.content.decode()
    assert ben["total"] == "1.00"  # his own, not anna's
    assert data.order_number not in str(ben)


@pytest.mark.django_db
def test_a_partner_without_statements_gets_404_and_anonymous_401_or_403():
    partner = PartnerFactory()

    assert client_for(partner).get("/api/v1/me/commissions").status_code == 404
    assert Client().get("/api/v1/me/commissions").status_code in (401, 403)
    assert Client().get("/api/v1/me/commissions/estimate").status_code in (401, 403)


@pytest.mark.django_db
def test_estimate_is_labelled_with_its_time():
    data = earnings_create()
    period = period_current_open()
    estimate_create(data.anna, period, at=dt.datetime(2026, 11, 30, 14, 5, tzinfo=dt.UTC))
    _token, raw = api_token_create(partner=data.anna, name="sheet")

    body = (
        Client(HTTP_AUTHORIZATION=f"Token {raw}", HTTP_ACCEPT_LANGUAGE="de")
        .get("/api/v1/me/commissions/estimate")
        .json()
    )

    assert body["period"] == period.label
    assert body["is_estimate"] is True
    assert body["computed_at"].startswith("2026-11-30T15:05")
    assert body["label"] == "Schätzung, berechnet am 30.11.2026 um 15:05"
    assert (body["customer_commission"], body["team_commission"], body["total"]) == (
        "5.00",
        "7.50",
        "12.50",
    )


@pytest.mark.django_db
def test_estimate_not_computed_yet_says_so():
    partner = PartnerFactory()

    body = client_for(partner, language="en").get("/api/v1/me/commissions/estimate").json()

    assert body["computed_at"] is None
    assert body["label"] == "Estimate, not computed yet"
    assert body["total"] == "0.00"


@pytest.mark.django_db
def test_schema_lists_the_commission_endpoints():
    text = Client().get("/api/schema/").content.decode()

    assert "/api/v1/me/commissions:" in text
    assert "/api/v1/me/commissions/estimate:" in text
    assert "carry_reason" in text and "is_estimate" in text


@pytest.mark.django_db
def test_query_count_does_not_grow_with_team_or_lines():
    period = period_current_open()
    closed = closed_period(dt.date(2026, 10, 1))

    def count_for(size):
        leader = PartnerFactory()
        members = team_build(root=leader, size=size, period=period)
        statement = statement_create(
            leader,
            closed,
            team_commission="1.00",
            customer_percent="20",
            total="1.00",
            carried_out="1.00",
        )
        for member in members:
            line_create(
                statement,
                "team",
                source_partner=member,
                generation=1,
                cv="1.00",
                percent="1",
                amount="0.01",
            )
        estimate_create(leader, period, at=dt.datetime.now(dt.UTC))
        client = client_for(leader)
        counts = []
        for url in ("/api/v1/me/commissions?period=2026-10", "/api/v1/me/commissions/estimate"):
            client.get(url)
            with CaptureQueriesContext(connection) as queries:
                assert client.get(url).status_code == 200
            counts.append(len(queries))
        return counts

    assert count_for(3) == count_for(30)
