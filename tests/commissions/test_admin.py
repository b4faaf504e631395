"""Admin: statements per period with filters, a statement with its lines in words
(read-only), the period summary with cap factor and payout share. German by default."""

import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from commissions.models import PeriodCommissionSummary, Statement
from tests.commissions.earnings_data import closed_period, earnings_create, statement_create
from tests.factories import PartnerFactory, UserFactory


@pytest.fixture
def admin_client(db, settings):
    settings.LANGUAGE_CODE = "de"  # the site's default (this folder's tests default to English)
    client = Client()  # no Accept-Language: the default language
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


@pytest.mark.django_db
def test_statement_list_filters_by_period_rank_and_amount(admin_client):
    data = earnings_create()
    gold = PartnerFactory(slug="gabi", first_name="Gabi", last_name="Gold")
    statement_create(
        gold,
        data.period,
        paid_as_rank_name="Gold",
        paid_as_level=3,
        team_commission="1500.00",
        total="1500.00",
        payout="1500.00",
    )
    url = reverse("admin:commissions_statement_changelist")

    everyone = admin_client.get(url).content.decode()
    by_rank = admin_client.get(url, {"paid_as_rank_name": "Gold"}).content.decode()
    big = admin_client.get(url, {"total": "1000-"}).content.decode()
    small = admin_client.get(url, {"total": "0-100"}).content.decode()
    searched = admin_client.get(url, {"q": "anna"}).content.decode()

    assert "Provisionsabrechnung" in everyone
    assert "Anna Albers" in everyone and "Gabi Gold" in everyone
    assert "Gabi Gold" in by_rank and "Anna Albers" not in by_rank
    assert "Gabi Gold" in big and "Anna Albers" not in big
    assert "Anna Albers" in small and "Gabi Gold" not in small and "Ben Brandt" in small
    assert "Anna Albers" in searched and "Gabi Gold" not in searched


@pytest.mark.django_db
def test_statement_page_shows_lines_in_words_and_cannot_be_edited(admin_client):
    data = earnings_create()
    url = reverse("admin:commissions_statement_change", args=[data.statement.pk])

    page = admin_client.get(url).content.decode().replace("\u00a0", " ")
    posted = admin_client.post(url, {"total": "999.00"})

    assert "aus Dora Dietz’ Umsatz" in page
    assert "unter der Auszahlungsgrenze von 25,00" in page
    assert (
        "Ben Brandt wurde übersprungen (unter 50 PV) und verdient nichts an Dora Dietz’ Umsatz "
        "(300,00 € CV): Er zählt für Anna Albers eine Generation näher, als 1. Generation." in page
    )
    assert 'name="_save"' not in page
    assert posted.status_code == 403
    assert Statement.objects.get(pk=data.statement.pk).total == Decimal("24.00")
    assert admin_client.get(reverse("admin:commissions_statement_add")).status_code == 403


@pytest.mark.django_db
def test_every_line_can_be_paged_through(admin_client):
    data = earnings_create()
    url = reverse("admin:commissions_statementline_changelist")

    page = admin_client.get(url, {"statement__id__exact": data.statement.pk}).content.decode()

    assert "Ben Brandt wurde übersprungen" in page


@pytest.mark.django_db
def test_period_summary_shows_cap_factor_and_payout_share(admin_client):
    data = earnings_create()
    capped = closed_period(dt.date(2026, 11, 1), cap_factor="0.85321", cv="2000.00")
    statement_create(data.anna, capped, total="30.00", payout="30.00")
    url = reverse("admin:commissions_periodcommissionsummary_changelist")

    page = admin_client.get(url).content.decode()

    assert "0,85321" in page
    assert "nicht angewandt" in page  # October had no cap
    assert "6\u00a0%" in page  # 120 of 2,000 CV
    assert "12\u00a0%" in page  # 120 of 1,000 CV
    assert PeriodCommissionSummary.objects.count() == 2
