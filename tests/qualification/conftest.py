"""Helpers for the qualification tests.

Unit tests run inside one rolled-back transaction, so on_commit never fires by
itself: `committed` runs the captured callbacks (the apply task runs eagerly).
"""

import contextlib
import json
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from orders.services import order_mark_paid
from qualification.models import PartnerPeriodStats
from qualification.services import plan_load
from tests.factories import OrderFactory

BERLIN = ZoneInfo("Europe/Berlin")

# The plan of the spec's worked example, from the project's copy of small-team.json.
EXAMPLE_PLAN = json.loads(
    (Path(__file__).resolve().parents[1] / "dataexchange" / "small-team.json").read_text(
        encoding="utf-8"
    )
)["plan"]


def berlin(*args) -> datetime:
    return datetime(*args, tzinfo=BERLIN)


def D(value) -> Decimal:
    return Decimal(str(value))


@pytest.fixture(autouse=True)
def english():
    """Messages are asserted in English, whatever the catalogues contain."""
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """`with committed(): ...` -> the block's on_commit callbacks run at its end."""

    @contextlib.contextmanager
    def run():
        with django_capture_on_commit_callbacks(execute=True):
            yield

    return run


@pytest.fixture
def example_plan(db, committed):
    with committed():
        plan_load(data=EXAMPLE_PLAN)


@pytest.fixture
def paid_order(committed):
    """paid_order(partner, qv, at=None, **order_kwargs) -> a paid order, volume applied."""

    def make(partner, qv, at=None, **kwargs):
        order = OrderFactory(attributed_partner=partner, qv_total=D(qv), **kwargs)
        with committed():
            return order_mark_paid(order=order, paid_at=at)

    return make


def results(period) -> dict[int, tuple]:
    """Non-blank results of a period: partner id -> (pv, customer, own, gv, level, name, sml)."""
    out = {}
    for s in PartnerPeriodStats.objects.filter(period=period):
        row = (
            s.pv,
            s.customer_pv,
            s.own_pv,
            s.gv,
            s.paid_as_level,
            s.paid_as_name,
            s.subtree_max_level,
        )
        if any(row[i] for i in (1, 2, 3, 4, 6)):
            out[s.partner_id] = row
    return out


def make_order(partner, qv, *, quantity: int = 1, own: bool = False, customer=None):
    """A pending order of `quantity` x one product of `qv` QV each."""
    from orders.models import Customer, Order

    if own:
        customer = customer or Customer.objects.get_or_create(email=partner.user.email)[0]
    kwargs = {"customer": customer} if customer else {}
    order = OrderFactory(
        attributed_partner=partner,
        attribution=Order.Attribution.SELF
        if own
        else (Order.Attribution.CODE if partner else Order.Attribution.NONE),
        qv_total=D(qv) * quantity,
        **kwargs,
    )
    line = order.lines.get()
    line.unit_qv = D(qv)
    line.quantity = quantity
    line.save()
    return order


def line_chain(depth: int):
    """A line of depth + 1 partners (root first) written in bulk: paths and
    depths exactly as partner_enroll would set them."""
    from partners.genealogy import child_path
    from partners.models import Partner, User

    start = User.objects.count()
    users = User.objects.bulk_create(
        [User(email=f"line{start + i}@example.com", password="!") for i in range(depth + 1)]
    )
    partners = []
    sponsor = None
    for i, user in enumerate(users):
        partner = Partner.objects.create(
            user=user,
            first_name="Line",
            last_name=str(i),
            slug=f"line-{start + i}",
            sponsor=sponsor,
            path=child_path(sponsor.path, sponsor.pk) if sponsor else "",
            depth=i,
        )
        partners.append(partner)
        sponsor = partner
    return partners
