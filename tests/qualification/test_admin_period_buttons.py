"""The period list and the period's page offer close and recompute as buttons,
each leading to a page that says what will happen; a period shows its last day
("bis 31. Dezember 2026"), not the midnight after it; nothing is "–"."""

import pytest
from django.urls import reverse

from qualification.models import PartnerPeriodStats, Period
from qualification.selectors import partner_stats
from qualification.services import period_for
from tests.factories import PartnerFactory, UserFactory
from tests.orders.helpers import staff_client

from .conftest import D, berlin

pytestmark = pytest.mark.django_db

OCT, NOV, DEC = berlin(2026, 10, 10, 12), berlin(2026, 11, 10, 12), berlin(2026, 12, 10, 12)
URL = "/admin/qualification/period/"


@pytest.fixture
def german_admin(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    client.cookies["django_language"] = "de"
    return client


@pytest.fixture
def october(paid_order, clock):
    """October has ended (the clock stands in November) and is open."""
    clock(NOV)
    anna = PartnerFactory()
    paid_order(anna, 100, at=OCT)
    return period_for(at=OCT)


def close_url(period):
    return reverse("admin:qualification_period_close", args=[period.pk])


def recompute_url(period):
    return reverse("admin:qualification_period_recompute", args=[period.pk])


def test_the_list_shows_each_periods_last_day_and_one_sign_for_nothing(german_admin, clock):
    clock(DEC)
    period_for(at=DEC)

    html = german_admin.get(URL).content.decode()

    assert "bis 31. Dezember 2026" in html
    assert "1. Januar 2027" not in html
    assert '<td class="field-closed_at nowrap">–</td>' in html
    assert '<td class="field-closed_by nowrap">–</td>' in html
    assert ">-<" not in html


def test_an_ended_open_period_offers_close_and_recompute_on_its_row_and_its_page(
    german_admin, october
):
    november = period_for(at=NOV)  # not ended yet: it cannot be closed

    listing = german_admin.get(URL).content.decode()
    page = german_admin.get(
        reverse("admin:qualification_period_change", args=[october.pk])
    ).content.decode()

    assert f'href="{close_url(october)}"' in listing and "Abschließen…" in listing
    assert f'href="{recompute_url(october)}"' in listing and "Neu berechnen…" in listing
    assert f'href="{recompute_url(november)}"' in listing
    assert f'href="{close_url(november)}"' not in listing
    assert f'href="{close_url(october)}"' in page and f'href="{recompute_url(october)}"' in page
    assert "bis 31. Oktober 2026" in page
    assert "die Periode bleibt offen" in page


def test_a_closed_period_offers_no_buttons(german_admin, october):
    Period.objects.filter(pk=october.pk).update(status=Period.Status.CLOSED)

    listing = german_admin.get(URL).content.decode()

    assert close_url(october) not in listing and recompute_url(october) not in listing


def test_the_close_button_asks_first_and_then_closes(german_admin, october, committed):
    question = german_admin.get(close_url(october))

    assert question.status_code == 200
    assert "Ja, abschließen und einfrieren" in question.content.decode()
    october.refresh_from_db()
    assert october.is_open

    with committed():  # the (eager) worker
        response = german_admin.post(close_url(october), {"apply": "1"})

    assert response.status_code == 302 and response.url == URL
    october.refresh_from_db()
    assert not october.is_open


def test_the_recompute_button_says_what_happens_and_then_recomputes(
    german_admin, october, committed
):
    PartnerPeriodStats.objects.filter(period=october).update(pv=0, gv=0)

    question = german_admin.get(recompute_url(october)).content.decode()

    assert "Ja, neu berechnen" in question and "die Periode bleibt offen" in question
    assert PartnerPeriodStats.objects.get(period=october).pv == 0

    with committed():
        response = german_admin.post(recompute_url(october), {"apply": "1"})

    assert response.status_code == 302
    stats = PartnerPeriodStats.objects.get(period=october)
    assert partner_stats(partner=stats.partner, period=october).pv == D(100)


def test_staff_who_may_only_look_get_no_buttons_and_no_confirmation_page(client, october):
    viewer = staff_client(client, "qualification.view_period")

    listing = viewer.get(URL).content.decode()

    assert close_url(october) not in listing and recompute_url(october) not in listing
    assert viewer.get(close_url(october)).status_code == 403
    assert viewer.post(recompute_url(october), {"apply": "1"}).status_code == 403
