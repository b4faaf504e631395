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
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


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
