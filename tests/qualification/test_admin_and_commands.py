"""The admin screens and management commands of the qualification engine."""

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from qualification.models import PartnerPeriodStats, Period, Rank, VolumeEntry
from qualification.selectors import partner_stats
from qualification.services import period_for
from tests.factories import PartnerFactory, UserFactory

from .conftest import D, berlin

pytestmark = pytest.mark.django_db

OCT = berlin(2026, 10, 10, 12)


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = (
        "en"  # the messages asserted below are the English ones
    )
    return client


def test_ranks_list_in_level_order_with_requirements_at_a_glance(admin_client, example_plan):
    page = admin_client.get(reverse("admin:qualification_rank_changelist")).content.decode()
    assert page.index("Bronze") < page.index("Silver") < page.index("Gold") < page.index("Platinum")
    assert "PV ≥ 150 · QGV ≥ 4,000 (max 50 % per leg) · 2 legs with Silver" in page


def test_rank_form_shows_the_leg_rank_error_next_to_the_field(admin_client, example_plan):
    response = admin_client.post(
        reverse("admin:qualification_rank_add"),
        {
            "level": 9,
            "name": "Diamond",
            "min_pv": "300",
            "min_gv": "20000",
            "max_leg_percent": "",
            "min_qualified_legs": "3",
            "leg_rank": "",
        },
    )
    assert response.status_code == 200
    assert (
        "Rank Diamond needs a leg rank because it asks for 3 qualified legs."
        in response.content.decode()
    )
    assert not Rank.objects.filter(name="Diamond").exists()


def test_rank_saved_in_the_admin_recomputes_open_periods(
    admin_client, example_plan, paid_order, django_capture_on_commit_callbacks
):
    anna = PartnerFactory()
    paid_order(anna, 120, at=OCT)
    bronze = Rank.objects.get(name="Bronze")
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse("admin:qualification_rank_change", args=[bronze.pk]),
            {
                "level": 1,
                "name": "Bronze",
                "min_pv": "125",
                "min_gv": "0",
                "max_leg_percent": "",
                "min_qualified_legs": "0",
                "leg_rank": "",
            },
        )
    assert response.status_code == 302
    assert partner_stats(partner=anna, period=period_for(at=OCT)).paid_as_name == ""


def test_close_period_action_asks_for_confirmation_first(
    admin_client, paid_order, django_capture_on_commit_callbacks
):
    paid_order(PartnerFactory(), 100, at=OCT)
    october = period_for(at=OCT)
    url = reverse("admin:qualification_period_changelist")

    response = admin_client.post(url, {"action": "close_periods", "_selected_action": [october.pk]})
    assert response.status_code == 200
    assert "Yes, close and freeze" in response.content.decode()
    october.refresh_from_db()
    assert october.is_open

    with django_capture_on_commit_callbacks(execute=True):  # the (eager) worker
        response = admin_client.post(
            url,
            {"action": "close_periods", "_selected_action": [october.pk], "apply": "1"},
            follow=True,
        )
    october.refresh_from_db()
    assert not october.is_open
    assert "Closing 2026-10 in the background" in response.content.decode()


def test_closing_the_current_month_in_the_admin_shows_why_not(admin_client):
    from django.utils import timezone

    current = period_for(at=timezone.now())
    response = admin_client.post(
        reverse("admin:qualification_period_changelist"),
        {"action": "close_periods", "_selected_action": [current.pk], "apply": "1"},
        follow=True,
    )
    assert "has not ended yet" in response.content.decode()


def test_recompute_action_rebuilds_results_in_the_worker(
    admin_client, paid_order, django_capture_on_commit_callbacks
):
    anna = PartnerFactory()
    paid_order(anna, 100, at=OCT)
    october = period_for(at=OCT)
    PartnerPeriodStats.objects.filter(partner=anna).update(pv=0, gv=0)

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse("admin:qualification_period_changelist"),
            {"action": "recompute_periods", "_selected_action": [october.pk]},
            follow=True,
        )

    assert "Recomputing 2026-10 from the ledger in the background" in response.content.decode()
    assert partner_stats(partner=anna, period=october).pv == D(100)


def test_recompute_action_refuses_a_closed_period_at_once(admin_client, paid_order):
    paid_order(PartnerFactory(), 100, at=OCT)
    october = period_for(at=OCT)
    Period.objects.filter(pk=october.pk).update(status=Period.Status.CLOSED)

    response = admin_client.post(
        reverse("admin:qualification_period_changelist"),
        {"action": "recompute_periods", "_selected_action": [october.pk]},
        follow=True,
    )

    assert "Period 2026-10 is closed; its results are frozen" in response.content.decode()


def test_the_ledger_is_read_only_in_the_admin(admin_client, paid_order):
    paid_order(PartnerFactory(), 100, at=OCT)
    entry = VolumeEntry.objects.get()
    assert (
        admin_client.get(reverse("admin:qualification_volumeentry_changelist")).status_code == 200
    )
    assert admin_client.get(reverse("admin:qualification_volumeentry_add")).status_code == 403
    response = admin_client.get(reverse("admin:qualification_volumeentry_change", args=[entry.pk]))
    assert response.status_code == 200 and 'name="_save"' not in response.content.decode()
    assert (
        admin_client.post(
            reverse("admin:qualification_volumeentry_delete", args=[entry.pk])
        ).status_code
        == 403
    )
    assert VolumeEntry.objects.count() == 1


def test_results_are_filterable_by_period_and_paid_as_rank(admin_client, example_plan, paid_order):
    bronze = PartnerFactory(slug="bronzy")
    paid_order(bronze, 120, at=OCT)
    paid_order(PartnerFactory(slug="tiny"), 10, at=OCT)
    october = period_for(at=OCT)
    url = reverse("admin:qualification_partnerperiodstats_changelist")

    page = admin_client.get(
        url, {"period__id__exact": october.pk, "paid_as_level": "1"}
    ).content.decode()

    assert "bronzy" in page and "tiny" not in page


def test_recompute_period_command(capsys, paid_order):
    anna = PartnerFactory()
    paid_order(anna, 100, at=OCT)
    PartnerPeriodStats.objects.all().delete()

    call_command("recompute_period", "2026-10")

    assert partner_stats(partner=anna, period=period_for(at=OCT)).pv == D(100)
    assert "Period 2026-10 recomputed: 1 partners" in capsys.readouterr().out


def test_close_period_command_and_its_refusals(capsys, paid_order):
    paid_order(PartnerFactory(), 100, at=OCT)
    with pytest.raises(CommandError, match="YYYY-MM"):
        call_command("close_period", "Oct 2026")
    with pytest.raises(CommandError, match="There is no period 2020-01"):
        call_command("close_period", "2020-01")

    call_command("close_period", "2026-10")
    assert Period.objects.get(start="2026-10-01").status == Period.Status.CLOSED

    with pytest.raises(CommandError, match="closed already"):
        call_command("close_period", "2026-10")
    with pytest.raises(CommandError, match="closed"):
        call_command("recompute_period", "2026-10")
