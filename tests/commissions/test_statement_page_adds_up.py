"""The statement page as a partner reads it after a real close: the note on a
skipped (compressed) upline partner says the generation the line is paid at, and
the lines shown add up to the totals shown (commissions.md section 3)."""

import re

import pytest

from qualification.models import Period
from qualification.services import period_close, period_recompute
from tests.commissions.conftest import D, berlin
from tests.dashboard.conftest import client_for
from tests.factories import PartnerFactory

pytestmark = pytest.mark.django_db

URL = "/dashboard/earnings/2026-09/"


def close(label):
    period = Period.objects.get(start=f"{label}-01")
    period_recompute(period=period)
    return period_close(period=period)


def text_of(response) -> str:
    return text_of_html(response.content.decode())


@pytest.fixture
def compressed_team(plan, sell):
    """anna (Silver) > bernd (Bronze) > frank (20 PV: below 50, skipped) > olga.
    Olga's 100,00 € CV: frank is skipped, bernd is generation 1 (5 %), anna
    generation 2 (Silver's 4 %): 4,00 €."""
    anna = PartnerFactory(slug="anna", first_name="Anna", last_name="Albers")
    bernd = PartnerFactory(slug="bernd", first_name="Bernd", last_name="Becker", sponsor=anna)
    frank = PartnerFactory(slug="frank", first_name="Frank", last_name="Wagner", sponsor=bernd)
    olga = PartnerFactory(slug="olga", first_name="Olga", last_name="Braun", sponsor=frank)
    at = berlin(2026, 9, 5)
    sell(anna, 100, "100.00", at)
    sell(bernd, 100, "100.00", at)
    sell(frank, 20, "20.00", at)
    sell(olga, 100, "100.00", at)
    close("2026-09")
    return anna, bernd


def test_the_skipped_partners_note_names_the_generation_the_line_is_paid_at(compressed_team):
    anna, _bernd = compressed_team

    de = text_of(client_for(anna, language="de").get(URL))
    en = text_of(client_for(anna, language="en").get(URL))

    assert "4,00 € aus Olga Brauns Umsatz: 100,00 € CV, 2. Generation, 4 %" in de
    assert (
        "Frank Wagner wurde übersprungen (unter 50 PV) und verdient nichts an Olga Brauns "
        "Umsatz (100,00 € CV): Er zählt für Sie eine Generation näher, als 2. Generation." in de
    )
    assert "als 1. Generation" not in de
    assert "€4.00 from Olga Braun’s sales: €100.00 CV, generation 2, 4%" in en
    assert (
        "Frank Wagner was skipped (below 50 PV) and earns nothing on Olga Braun’s sales "
        "(€100.00 CV): they count for you one generation closer, as generation 2." in en
    )


def test_the_same_skip_reads_with_the_generation_of_each_statement(compressed_team):
    _anna, bernd = compressed_team

    de = text_of(client_for(bernd, language="de").get(URL))

    assert "5,00 € aus Olga Brauns Umsatz: 100,00 € CV, 1. Generation, 5 %" in de
    assert "Er zählt für Sie eine Generation näher, als 1. Generation." in de


MONEY = re.compile(r"([+\u2212-]?)(\d{1,3}(?:\.\d{3})*,\d{2})\s€")


def _euros(text: str) -> D:
    sign, number = MONEY.search(text).groups()
    value = D(number.replace(".", "").replace(",", "."))
    return -value if sign in ("\u2212", "-") else value


def _shown(html: str, kind: str) -> list:
    """The first amount of each line of that kind, as the partner reads it."""
    items = re.findall(rf'<li class="card" data-line-kind="{kind}">(.*?)</li>', html, re.S)
    return [_euros(re.sub(r"<[^>]+>", " ", item)) for item in items]


def _figure(html: str, name: str):
    return _euros(re.search(rf'data-figure="{name}">([^<]*)<', html).group(1))


@pytest.fixture
def rounding_team(plan, sell):
    """anna (120 PV, Bronze: 15 % customer, 5 % team) with three customer orders
    of 10,10 € CV (1,515 € each, shown 1,52 €; together 4,545 €: 4,55 €) and
    three first-line partners selling 10,10 € CV each (0,505 €, shown 0,51 €;
    together 1,515 €: 1,52 €)."""
    anna = PartnerFactory(slug="anna", first_name="Anna", last_name="Albers")
    at = berlin(2026, 9, 5)
    for _ in range(3):
        sell(anna, 40, "10.10", at)
    for name in ("Ben", "Cleo", "Dora"):
        sell(PartnerFactory(first_name=name, sponsor=anna), 10, "10.10", at)
    close("2026-09")
    return anna


def test_the_customer_lines_shown_add_up_to_the_customer_commission_shown(rounding_team):
    html = client_for(rounding_team, language="de").get(URL).content.decode()

    assert _shown(html, "customer") == [D("1.52")] * 3
    assert _figure(html, "customer") == D("4.55")  # the total stays exact, rounded once
    assert sum(_shown(html, "customer")) + sum(_shown(html, "rounding")[:1]) == D("4.55")
    assert "Rundung \u22120,01 €" in text_of_html(html)


def test_the_team_lines_shown_add_up_to_the_team_commission_shown(rounding_team):
    html = client_for(rounding_team, language="en").get(URL).content.decode()
    text = text_of_html(html)

    assert _figure_en(html, "team") == D("1.52")
    assert text.count("€0.51 from") == 3
    assert (
        "Rounding \u2212€0.01: each line is rounded to the cent, the team commission of "
        "€1.52 once, from the exact sum." in text
    )


def test_lines_that_add_up_have_no_rounding_line(plan, sell):
    anna = PartnerFactory(slug="anna")
    sell(anna, 120, "100.00", berlin(2026, 9, 5))
    close("2026-09")

    html = client_for(anna, language="de").get(URL).content.decode()

    assert _shown(html, "customer") == [D("15.00")]
    assert 'data-line-kind="rounding"' not in html


def text_of_html(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).replace("\xa0", " ")


def _figure_en(html: str, name: str):
    text = re.search(rf'data-figure="{name}">([^<]*)<', html).group(1)
    return D(re.search(r"€([\d,]+\.\d{2})", text).group(1).replace(",", ""))


@pytest.mark.parametrize("language", ["en", "de"])
def test_the_api_statement_has_the_rounding_lines_so_its_lines_add_up(rounding_team, language):
    body = (
        client_for(rounding_team, language=language)
        .get("/api/v1/me/commissions?period=2026-09")
        .json()
    )
    orders = [D(row["amount"]) for row in body["customer_orders"]["results"]]
    lines = [D(row["amount"]) for row in body["lines"]["results"]]

    assert orders == [D("1.52")] * 3
    assert body["customer_rounding"]["amount"] == "-0.01"
    assert sum(orders) + D(body["customer_rounding"]["amount"]) == D(body["customer_commission"])
    assert body["team_rounding"]["amount"] == "-0.01"
    assert sum(lines) + D(body["team_rounding"]["amount"]) == D(body["team_commission"])
    assert sum(orders) + sum(lines) + D(body["customer_rounding"]["amount"]) + D(
        body["team_rounding"]["amount"]
    ) == D(body["total"])
    words = {"en": "Rounding \u2212€0.01", "de": "Rundung \u22120,01 €"}[language]
    assert body["customer_rounding"]["text"].replace("\xa0", " ").startswith(words)


def test_an_api_statement_that_adds_up_has_a_zero_rounding_line(plan, sell):
    anna = PartnerFactory(slug="anna")
    sell(anna, 120, "100.00", berlin(2026, 9, 5))
    close("2026-09")

    body = client_for(anna).get("/api/v1/me/commissions?period=2026-09").json()

    assert body["customer_rounding"] == {"amount": "0.00", "text": ""}
    assert body["team_rounding"] == {"amount": "0.00", "text": ""}
