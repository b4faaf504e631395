"""The whole way: sales, a real close through the services, and what the
partners then read under "Earnings" and in the API."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from commissions.models import Statement
from qualification.models import Period
from qualification.services import period_close, period_recompute
from tests.commissions.conftest import berlin
from tests.dashboard.conftest import client_for
from tests.factories import PartnerFactory, UserFactory

pytestmark = pytest.mark.django_db


def text_of(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def test_partners_read_their_closed_statement_in_words(plan, sell):
    anna = PartnerFactory(slug="anna", first_name="Anna", last_name="Albers")
    ben = PartnerFactory(slug="ben", first_name="Ben", last_name="Brandt", sponsor=anna)
    dora = PartnerFactory(slug="dora", first_name="Dora", last_name="Dietz", sponsor=ben)
    sell(anna, 100, "100.00", berlin(2026, 9, 5))
    sell(ben, 20, "20.00", berlin(2026, 9, 5))  # below 50 PV: skipped
    order = sell(dora, 300, "300.00", berlin(2026, 9, 6))
    period = Period.objects.get(start="2026-09-01")
    period_recompute(period=period)
    period_close(period=period)

    annas = text_of(client_for(anna, language="de").get("/dashboard/earnings/2026-09/"))
    doras = text_of(client_for(dora, language="en").get("/dashboard/earnings/2026-09/"))
    bens = client_for(ben, language="en").get("/api/v1/me/commissions?period=2026-09").json()
    overview = text_of(client_for(anna, language="en").get("/dashboard/earnings/"))

    # anna (Silver, 6 % in generation 1) earns on dora's CV: ben is compressed away.
    assert "aus Dora Dietz’ Umsatz: 300,00 € CV, 1. Generation, 6 %" in annas
    assert f"from order {order.number}: €300.00 CV, 20%" in doras
    assert "Ben Brandt wurde übersprungen (unter" in annas
    assert (
        "Dora Dietz’ Umsatz (300,00 € CV): Er zählt für Sie eine Generation näher, als 1. Generation."
        in annas
    )
    # ben's 2,00 € stay below the minimum payout of 25 € and are carried forward.
    assert bens["payout"] == "0.00" and bens["carried_out"] == bens["total"] != "0.00"
    assert "carried forward to the next month: below the minimum payout" in bens["carry_reason"]
    assert 'href="/dashboard/earnings/2026-09/"' in overview
    admin = Client()
    admin.force_login(UserFactory(is_staff=True, is_superuser=True))
    dora_statement = Statement.objects.get(partner=dora, period=period)
    admin_page = admin.get(
        reverse("admin:commissions_statement_change", args=[dora_statement.pk]),
        HTTP_ACCEPT_LANGUAGE="de",
    ).content.decode()
    assert f"aus Bestellung {order.number}: 300,00\u00a0€ CV, 20\u00a0%" in admin_page
    doras_api = client_for(dora, language="en").get("/api/v1/me/commissions?period=2026-09").json()
    assert doras_api["customer_orders"]["count"] == 1
    assert doras_api["customer_orders"]["results"][0] == {
        "order_number": order.number,
        "text": f"€60.00 from order {order.number}: €300.00 CV, 20%",
        "cv": "300.00",
        "percent": "20.0000",
        "amount": "60.00",
    }
