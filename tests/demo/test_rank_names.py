"""Rank names are the plan's, shown as given in every language
(docs/decisions/0004-rank-names.md): the German demo company's partners read
"Silber", in German and in English, on the dashboard and in the API."""

import pytest
from django.test import Client

from demo.management.commands import seed_demo
from qualification.models import Rank
from qualification.services import period_current_open, plan_load
from tests.dashboard.conftest import client_for, stats_set
from tests.factories import PartnerFactory, UserFactory


def text(response) -> str:
    return " ".join(response.content.decode().split())


@pytest.fixture
def silber(db):
    plan_load(data=seed_demo.COMMISSION_PLAN)
    anna = PartnerFactory(first_name="Anna")
    stats_set(anna, period_current_open(), pv="120", gv="1200", level=2, name="Silber")
    return anna


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["de", "en"])
def test_the_demo_partner_reads_the_german_rank_names_in_either_language(silber, language):
    page = text(client_for(silber, language=language).get("/dashboard/"))
    whatif = text(client_for(silber, language=language).get("/dashboard/whats-missing/"))
    assert "Silber" in page and "Gold" in page
    assert "Platin" in whatif
    for english in ("Silver", "Platinum"):
        assert english not in page and english not in whatif


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["de", "en"])
def test_the_api_gives_the_rank_name_of_the_plan_in_either_language(silber, language):
    body = client_for(silber, language=language).get("/api/v1/me/qualification").json()
    assert "Silber" in str(body) and "Silver" not in str(body)


@pytest.mark.django_db
def test_the_admin_says_the_name_is_shown_as_written(silber):
    client = Client(HTTP_ACCEPT_LANGUAGE="de")
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    rank = Rank.objects.get(name="Silber")
    page = text(client.get(f"/admin/qualification/rank/{rank.pk}/change/"))
    assert 'value="Silber"' in page
    assert "benennen Sie den Rang in der Sprache Ihrer Partner" in page
