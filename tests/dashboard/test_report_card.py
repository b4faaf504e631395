"""The rank report card: have / need / missing per requirement, legs and caps
explained in words (qualification.md section 5 and 6)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from dashboard.selectors import period_days_left, qualification_progress
from qualification.models import PartnerTitle, Period
from tests.dashboard.conftest import client_for
from tests.factories import PartnerFactory

D = Decimal


def by_key(progress):
    return {r.key: r for r in progress.requirements}


@pytest.mark.django_db
def test_capped_leg_keeps_clara_at_bronze_and_says_why(team, period):
    with translation.override("en"):
        progress = qualification_progress(partner=team.clara, period=period)

    assert progress.paid_as_name == "Bronze"
    assert progress.rank.name == "Silver"
    reqs = by_key(progress)
    assert (reqs["pv"].have, reqs["pv"].need, reqs["pv"].missing, reqs["pv"].met) == (
        D(100),
        D(100),
        D(0),
        True,
    )
    assert (reqs["qgv"].have, reqs["qgv"].need, reqs["qgv"].missing) == (D(700), D(1000), D(300))
    assert reqs["qgv"].percent == 70
    assert "legs" not in reqs
    [finn_leg] = progress.legs
    assert (finn_leg.name, finn_leg.gv, finn_leg.counted, finn_leg.capped) == (
        "Finn Fischer",
        D(900),
        D(600),
        True,
    )
    assert progress.cap_sentences == [
        "Finn's team counts 600 of its 900 for Silver: at most 60 % of 1,000 may come from one team"
    ]


@pytest.mark.django_db
def test_cap_sentence_uses_the_readers_number_format(team, period):
    with translation.override("de"):
        progress = qualification_progress(partner=team.clara, period=period)

    assert "1.000" in progress.cap_sentences[0]


@pytest.mark.django_db
def test_next_rank_lists_qualified_and_unqualified_legs(team, period):
    with translation.override("en"):
        progress = qualification_progress(partner=team.anna, period=period)

    assert progress.paid_as_name == "Silver"
    assert progress.rank.name == "Gold"
    reqs = by_key(progress)
    assert (reqs["pv"].have, reqs["pv"].need, reqs["pv"].met) == (D(160), D(150), True)
    # Gold caps a leg at 50 % of 4000 = 2000: neither leg reaches it.
    assert (reqs["qgv"].have, reqs["qgv"].missing) == (D(2230), D(1770))
    assert (reqs["legs"].have, reqs["legs"].need, reqs["legs"].missing) == (D(1), D(2), D(1))
    legs = {leg.slug: leg for leg in progress.legs}
    assert legs["ben"].qualified is True
    assert legs["clara"].qualified is False
    assert "nobody in Clara's team is paid as Silver or higher yet" in legs["clara"].explanation
    assert progress.cap_sentences == []


@pytest.mark.django_db
def test_a_higher_rank_can_be_chosen(team, period):
    progress = qualification_progress(partner=team.anna, period=period, rank=4)

    assert progress.rank.name == "Platinum"
    assert progress.rank_is_next is False
    reqs = by_key(progress)
    assert (reqs["pv"].missing, reqs["qgv"].missing, reqs["legs"].have) == (D(40), D(5770), D(0))
    assert [c.name for c in progress.higher_ranks] == ["Gold", "Platinum"]


@pytest.mark.django_db
def test_missing_results_row_means_zero_and_no_rank(plan, period):
    newcomer = PartnerFactory()

    progress = qualification_progress(partner=newcomer, period=period)

    assert (progress.pv, progress.gv, progress.paid_as_level) == (D(0), D(0), 0)
    assert progress.rank.name == "Bronze"
    assert by_key(progress)["pv"].missing == D(100)
    assert progress.legs == []


@pytest.mark.django_db
def test_title_rank_is_shown_beside_the_live_paid_as_rank(team, period):
    old = Period.objects.create(start=dt.date(2020, 1, 1), status=Period.Status.CLOSED)
    PartnerTitle.objects.create(partner=team.clara, level=2, name="Silver", achieved_in=old)

    progress = qualification_progress(partner=team.clara, period=period)

    assert (progress.title_name, progress.paid_as_name) == ("Silver", "Bronze")


@pytest.mark.django_db
def test_top_rank_has_no_next_rank(team, period):
    from tests.dashboard.conftest import stats_set

    stats_set(team.anna, period, pv="500", gv="9000", level=4, name="Platinum")

    progress = qualification_progress(partner=team.anna, period=period)

    assert progress.rank is None
    assert progress.higher_ranks == []


@pytest.mark.django_db
def test_report_card_reads_a_constant_number_of_queries(team, period):
    with CaptureQueriesContext(connection) as queries:
        qualification_progress(partner=team.anna, period=period)

    assert len(queries) == 4  # own results, legs with results, plan, title


def test_days_left_counts_today():
    october = Period(start=dt.date(2026, 10, 1))

    assert period_days_left(period=october, today=dt.date(2026, 10, 1)) == 31
    assert period_days_left(period=october, today=dt.date(2026, 10, 31)) == 1
    assert period_days_left(period=october, today=dt.date(2026, 11, 2)) == 0


@pytest.mark.django_db
def test_overview_page_shows_the_report_card_with_progress_bars(team):
    html = client_for(team.clara).get("/dashboard/").content.decode()

    assert "Next rank: Silver" in html
    assert (
        "Finn&#x27;s team counts 600 of its 900 for Silver: at most 60 % of 1,000 may come from one team"
        in html
    )
    assert 'aria-valuenow="70"' in html
    assert "300 missing" in html


@pytest.mark.django_db
def test_overview_shows_a_chosen_higher_rank_and_keeps_it_while_polling(team):
    html = client_for(team.anna).get("/dashboard/?rank=4").content.decode()

    assert "What Platinum needs" in html
    assert 'hx-get="/dashboard/live/?rank=4"' in html


@pytest.mark.django_db
def test_overview_in_german_formats_numbers_the_german_way(team):
    html = client_for(team.anna, language="de").get("/dashboard/").content.decode()

    assert 'data-stat="gv">2.230<' in html
    assert "2.230 / 4.000" in html
