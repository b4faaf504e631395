"""What a partner sees under "Earnings": the estimate with its time, statements
of closed months with every line in words (German and English), why an amount is
carried forward, the chart; never another partner's statement; and a query count
that does not grow with the team or the number of lines."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from commissions import wording
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

D = Decimal
STATEMENT_URL = "/dashboard/earnings/2026-10/"


def text_of(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


@pytest.mark.django_db
def test_statement_lines_read_as_german_sentences():
    data = earnings_create()

    page = text_of(client_for(data.anna, language="de").get(STATEMENT_URL))

    assert f"12,00 € aus Bestellung {data.order_number}: 300,00 € CV, 4 %" in page
    assert "12,00 € aus Dora Dietz’ Umsatz: 300,00 € CV, 1. Generation, 4 %" in page


@pytest.mark.django_db
def test_statement_lines_read_as_english_sentences():
    data = earnings_create()

    page = text_of(client_for(data.anna, language="en").get(STATEMENT_URL))

    assert f"€12.00 from order {data.order_number}: €300.00 CV, 4%" in page
    assert "€12.00 from Dora Dietz’s sales: €300.00 CV, generation 1, 4%" in page


@pytest.mark.django_db
def test_a_skipped_upline_partner_is_explained_in_both_languages():
    data = earnings_create()

    de = text_of(client_for(data.anna, language="de").get(STATEMENT_URL))
    en = text_of(client_for(data.anna, language="en").get(STATEMENT_URL))

    assert (
        "Ben Brandt wurde übersprungen (unter 50 PV) und verdient nichts an Dora Dietz’ Umsatz "
        "(300,00 € CV): Er zählt für Sie eine Generation näher, als 1. Generation." in de
    )
    assert (
        "Ben Brandt was skipped (below 50 PV) and earns nothing on Dora Dietz’s sales "
        "(€300.00 CV): they count for you one generation closer, as generation 1." in en
    )


@pytest.mark.django_db
def test_amount_below_minimum_payout_is_carried_forward_with_the_reason():
    data = earnings_create()

    de = text_of(client_for(data.anna, language="de").get(STATEMENT_URL))
    en = text_of(client_for(data.anna, language="en").get(STATEMENT_URL))

    assert "unter der Auszahlungsgrenze von 25,00 €" in de
    assert "24,00 €" in de
    assert "below the minimum payout of €25.00" in en


@pytest.mark.django_db
def test_negative_balance_is_carried_forward_as_a_set_off():
    data = earnings_create()
    period = closed_period(dt.date(2026, 11, 1))
    statement_create(
        data.anna,
        period,
        team_commission="-30.00",
        total="-30.00",
        carried_in="24.00",
        carried_out="-6.00",
    )

    page = text_of(client_for(data.anna, language="en").get("/dashboard/earnings/2026-11/"))

    assert "−€6.00 carried forward: a negative balance (from refunds)" in page
    assert "€24.00 carried over from the previous month." in page


@pytest.mark.django_db
def test_bonus_cap_and_clawback_lines_in_words():
    data = earnings_create()
    line_create(data.statement, "bonus", rank_name="Gold", amount="500.00")
    line_create(data.statement, "cap", factor="0.85321", amount="-3.2149")
    line_create(
        data.statement,
        "team",
        source_partner=data.ben,
        generation=2,
        cv="-100.00",
        percent="3",
        amount="-3.00",
    )

    de = text_of(client_for(data.anna, language="de").get(STATEMENT_URL))

    assert "500,00 € Aufstiegsbonus für das Erreichen von Gold" in de
    assert "mit dem Faktor 0,85321 multipliziert (−3,21 €)" in de
    assert (
        "−3,00 € zurückgebucht für Ben Brandts Erstattungen: −100,00 € CV, 2. Generation, 3 %" in de
    )


@pytest.mark.django_db
def test_earnings_page_shows_the_estimate_labelled_with_its_time():
    data = earnings_create()
    period = period_current_open()
    at = dt.datetime(2026, 11, 30, 14, 5, tzinfo=dt.UTC)  # 15:05 in Berlin
    estimate_create(data.anna, period, at=at)

    de = text_of(client_for(data.anna, language="de").get("/dashboard/earnings/"))
    en = text_of(client_for(data.anna, language="en").get("/dashboard/earnings/"))

    # "Schätzung" once, in the heading (not again in a badge, a sentence and the total)
    assert de.count("Schätzung") == 1 and "Schätzung für " in de
    assert "Berechnet am 30.11.2026 um 15:05" in de
    assert "12,50 €" in de and "7,50 €" in de
    assert en.count("Estimate") == 1 and "Computed on" in en and "at 15:05" in en
    assert "€12.50" in en


@pytest.mark.django_db
def test_earnings_page_says_when_no_estimate_exists_yet():
    data = earnings_create()

    en = text_of(client_for(data.anna, language="en").get("/dashboard/earnings/"))

    assert "No estimate has been computed for this month yet." in en


@pytest.mark.django_db
def test_earnings_page_lists_statements_and_charts_them_per_month():
    data = earnings_create()
    statement_create(
        data.anna,
        closed_period(dt.date(2026, 9, 1)),
        customer_commission="40.00",
        total="40.00",
        payout="40.00",
    )

    response = client_for(data.anna, language="en").get("/dashboard/earnings/")
    page = text_of(response)

    assert response.status_code == 200
    assert 'href="/dashboard/earnings/2026-10/"' in page
    assert 'href="/dashboard/earnings/2026-09/"' in page
    assert '"labels": ["September 2026", "October 2026"]' in page  # the chart axis, oldest first
    assert '"data": ["40.00", "12.00"]' in page


@pytest.mark.django_db
def test_a_newcomer_without_statements_is_told_when_they_come():
    partner = PartnerFactory()

    page = text_of(client_for(partner, language="en").get("/dashboard/earnings/"))

    assert "No statements yet." in page


@pytest.mark.django_db
def test_another_partners_statement_is_not_reachable():
    data = earnings_create()

    response = client_for(data.dora, language="en").get(STATEMENT_URL)
    bens = text_of(client_for(data.ben, language="en").get(STATEMENT_URL))

    assert response.status_code == 404
    assert "Dora Dietz’s sales" not in response.content.decode()
    assert data.order_number not in bens  # ben sees his own statement, not anna's


@pytest.mark.django_db
def test_open_period_and_bad_label_have_no_statement_page():
    data = earnings_create()
    client = client_for(data.anna)

    assert client.get(f"/dashboard/earnings/{period_current_open().label}/").status_code == 404
    assert client.get("/dashboard/earnings/2026-13/").status_code == 404
    assert client.get("/dashboard/earnings/oktober/").status_code == 404


@pytest.mark.django_db
def test_lines_are_paginated():
    data = earnings_create()
    for _ in range(60):
        line_create(
            data.statement,
            "team",
            source_partner=data.dora,
            generation=1,
            cv="10.00",
            percent="1",
            amount="0.10",
        )

    first = text_of(client_for(data.anna, language="en").get(STATEMENT_URL))
    second = text_of(client_for(data.anna, language="en").get(STATEMENT_URL + "?page=2"))

    assert "Page 1 of 2" in first
    assert first.count('data-line-kind="') == 50
    # (the last page also carries the rounding line: these made-up lines do not add up)
    assert second.count('data-line-kind="') - second.count('data-line-kind="rounding"') == 13


def _leader_with_statement(size: int, period):
    leader = PartnerFactory()
    members = team_build(root=leader, size=size, period=period)
    closed = closed_period(dt.date(2026, 10, 1))
    statement = statement_create(
        leader,
        closed,
        team_commission="10.00",
        customer_percent="20",
        total="10.00",
        carried_out="10.00",
    )
    for member in members:
        line_create(
            statement,
            "team",
            source_partner=member,
            generation=1,
            cv="10.00",
            percent="1",
            amount="0.10",
        )
    estimate_create(leader, period, at=timezone.now())
    return leader


def _count(client, url) -> int:
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.django_db
def test_query_count_does_not_grow_with_team_size_or_lines():
    period = period_current_open()
    urls = ["/dashboard/earnings/", STATEMENT_URL]
    small_leader = _leader_with_statement(3, period)
    small = {url: _count(client_for(small_leader), url) for url in urls}
    # The second leader's team is in the same closed period; the first keeps 3 lines.
    large_leader = _leader_with_statement(30, period)
    large = {url: _count(client_for(large_leader), url) for url in urls}

    assert small == large


def test_money_and_percent_follow_the_language():
    with translation.override("de"):
        assert wording.money_display(D("1234.5")) == "1.234,50\u00a0€"  # no break before €
        assert wording.percent_display(D("2.500")) == "2,5\u00a0%"
        assert wording.possessive("Ben") == "Bens"
        assert wording.possessive("Klaus") == "Klaus’"
    with translation.override("en"):
        assert wording.money_display(D("-3")) == "−€3.00"
        assert wording.percent_display(D("4")) == "4%"
        assert wording.possessive("Dora") == "Dora’s"


@pytest.mark.django_db
def test_a_plan_without_commission_settings_leaves_the_figures_out():
    data = earnings_create()
    data.period.plan = {"ranks": []}
    data.period.save(update_fields=["plan"])

    anna = text_of(client_for(data.anna, language="en").get(STATEMENT_URL))

    assert "€24.00 carried forward to the next month: below the minimum payout." in anna
    assert "Ben Brandt was skipped (below the minimum PV)" in anna
