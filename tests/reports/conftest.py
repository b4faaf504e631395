import contextlib
from datetime import date
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.utils import translation

from commissions.models import Statement
from orders.services import order_mark_paid
from qualification.models import PartnerTitle, Period
from tests.factories import OrderFactory, UserFactory


@pytest.fixture(autouse=True)
def english():
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
def staff_in():
    """staff_in("Support") -> a staff user (not superuser) in that group."""

    def make(*group_names):
        user = UserFactory(is_staff=True)
        for name in group_names:
            user.groups.add(Group.objects.get(name=name))
        return user

    return make


@pytest.fixture
def client_for():
    def make(user, language="en"):
        client = Client(HTTP_ACCEPT_LANGUAGE=language)
        client.force_login(user)
        return client

    return make


@pytest.fixture
def superuser_client(db):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def period_make(label: str, *, closed: bool = True) -> Period:
    year, month = (int(x) for x in label.split("-"))
    period, _ = Period.objects.get_or_create(
        start=date(year, month, 1),
        defaults={"status": Period.Status.CLOSED if closed else Period.Status.OPEN},
    )
    return period


def statement_make(partner, period: Period, total: str, **fields) -> Statement:
    return Statement.objects.create(
        period=period, partner=partner, total=Decimal(total), payout=Decimal(total), **fields
    )


def title_give(partner, level: int, name: str, period: Period) -> PartnerTitle:
    return PartnerTitle.objects.create(partner=partner, level=level, name=name, achieved_in=period)


@pytest.fixture
def paid_order(committed):
    """paid_order(partner, cv, own=False, at=None) -> a paid order, volume booked."""
    from orders.models import Order

    def make(partner, cv, *, own=False, at=None, **kwargs):
        if own:
            kwargs.setdefault("attribution", Order.Attribution.SELF)
        order = OrderFactory(
            attributed_partner=partner, qv_total=Decimal(cv), cv=Decimal(cv), **kwargs
        )
        with committed():
            return order_mark_paid(order=order, paid_at=at)

    return make
