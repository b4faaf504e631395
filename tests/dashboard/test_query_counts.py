"""Every dashboard page and API endpoint reads the same number of queries for
a team of 5 as for a team of 200 (FIELD-NOTES: genealogy viewers that choke)."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from dashboard.services import api_token_create
from landing.models import LandingVisitDay
from qualification.models import Period
from tests.dashboard.conftest import client_for, team_build
from tests.factories import CustomerFactory, OrderFactory, PartnerFactory

URLS = [
    "/dashboard/",
    "/dashboard/live/",
    "/dashboard/history/",
    "/dashboard/team/",
    "/dashboard/team/?q=member&sort=-gv&page=1",
    "/dashboard/team/?close=on&sort=-rank",
    "/dashboard/team/{first_child}/",
    "/dashboard/customers/",
    "/dashboard/landing-page/",
    "/dashboard/profile/",
    "/dashboard/api-tokens/",
    "/api/v1/me",
    "/api/v1/me/qualification",
    "/api/v1/me/team?level=1",
    "/api/v1/me/team?level=2",
    "/api/v1/me/orders",
]


def leader_with_team(size, period):
    leader = PartnerFactory()
    members = team_build(root=leader, size=size, period=period)
    for i in range(min(size, 30)):
        customer = CustomerFactory(bound_partner=leader, bound_at=timezone.now())
        OrderFactory(customer=customer, attributed_partner=leader)
        OrderFactory(customer=customer, attributed_partner=members[i])
    today = timezone.localdate()
    for offset in range(min(size, 30)):
        LandingVisitDay.objects.create(
            partner=leader, day=today - dt.timedelta(days=offset), visits=offset + 1
        )
    api_token_create(partner=leader, name="sheet")
    return leader, members


def query_counts(leader, members):
    client = client_for(leader)
    counts = {}
    for url in URLS:
        key = url
        url = url.format(first_child=members[0].pk)
        client.get(url)  # warm up (session, content types)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200, url
        counts[key] = len(queries)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"/dashboard/team/{members[0].pk}/", HTTP_HX_REQUEST="true")
    counts["expand (htmx)"] = len(queries)
    return counts


@pytest.mark.django_db
def test_query_counts_do_not_grow_with_team_size(plan, period):
    old = Period.objects.create(start=dt.date(2020, 1, 1), status=Period.Status.CLOSED)
    assert old.pk

    small = query_counts(*leader_with_team(5, period))
    large = query_counts(*leader_with_team(200, period))

    assert small == large, {k: (small[k], large[k]) for k in small if small[k] != large[k]}
    # And they stay small: an expansion is session, user, partner, period,
    # the node check and one read of the children with their results.
    assert small["expand (htmx)"] <= 6
    assert max(small.values()) <= 12, small
