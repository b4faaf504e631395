"""Helpers for the commissions tests: a small plan, sales with CV, closing."""

import contextlib
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from orders.services import order_mark_paid
from qualification.models import CommissionSettings, Rank
from tests.factories import OrderFactory

BERLIN = ZoneInfo("Europe/Berlin")


def berlin(*args) -> datetime:
    return datetime(*args, tzinfo=BERLIN)


def D(value) -> Decimal:
    return Decimal(str(value))


@pytest.fixture
def english(settings):
    """Engine and close tests read messages in English (`pytestmark` in those modules);
    the dashboard and admin tests check the German default."""
    from django.utils import translation

    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    @contextlib.contextmanager
    def run():
        with django_capture_on_commit_callbacks(execute=True):
            yield

    return run


@pytest.fixture
def plan(db):
    """Bronze (PV 100: 15 %, [5]), Silver (PV 100, GV 300: 20 %, [6, 4], bonus 100);
    base 10 %, active from 50 PV, no cap, minimum payout 25."""
    bronze = Rank.objects.create(
        level=1, name="Bronze", min_pv=D(100), customer_percent=D(15), team_percents=["5"]
    )
    silver = Rank.objects.create(
        level=2,
        name="Silver",
        min_pv=D(100),
        min_gv=D(300),
        customer_percent=D(20),
        team_percents=["6", "4"],
        advancement_bonus=D(100),
    )
    settings = CommissionSettings.objects.create(
        base_customer_percent=D(10), active_min_pv=D(50), min_payout=D(25)
    )
    return {"bronze": bronze, "silver": silver, "settings": settings}


@pytest.fixture
def sell(committed):
    """sell(partner, qv, cv, at) -> a paid order with that QV and CV, volume applied."""

    def make(partner, qv, cv, at, **kwargs):
        order = OrderFactory(attributed_partner=partner, qv_total=D(qv), cv=D(cv), **kwargs)
        with committed():
            return order_mark_paid(order=order, paid_at=at)

    return make


@pytest.fixture
def admin_client(db, client):
    from tests.factories import UserFactory

    user = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(user)
    return client
