"""What the full-lifecycle erasure found (tests/privacy/lifecycle.py), each on its
own: the places outside the person's own rows that named them."""

import importlib

import pytest
from django.apps import apps
from django.test import Client

from landing.models import Campaign, LinkVisitDay
from landing.services import campaign_create, landing_link_visit_record
from notifications.models import Notification
from payouts.models import PayoutItem, PayoutRun
from payouts.services import payout_items_sync, payout_run_prepare
from privacy.services import person_erase
from tests.factories import PartnerFactory, UserFactory
from tests.payouts.conftest import profile_make, statement_make
from webhooks.models import Endpoint, Message
from webhooks.services import webhook_endpoint_save

pytestmark = pytest.mark.django_db


def test_the_sponsors_team_notice_loses_the_erased_partners_name(
    admin, django_capture_on_commit_callbacks
):
    sponsor = PartnerFactory(slug="sybille", first_name="Sybille")
    with django_capture_on_commit_callbacks(execute=True):
        ben = PartnerFactory(sponsor=sponsor, slug="benedikt", first_name="Benedikt")
    notice = Notification.objects.get(partner=sponsor, kind="team_new")
    assert notice.params["name"] == "Benedikt M." and notice.params["partner_id"] == ben.pk

    person_erase(subject_kind="partner", subject_id=ben.pk, actor=admin)

    notice.refresh_from_db()
    assert "Benedikt" not in str(notice.params)
    assert notice.partner == sponsor  # the sponsor keeps the notice, without the name


def test_stored_webhook_events_lose_the_erased_partners_address(admin):
    webhook_endpoint_save(
        endpoint=Endpoint(url="https://93.184.216.34/h", events=["partner.enrolled"])
    )
    other = PartnerFactory(slug="otto-ohnesorg")
    ben = PartnerFactory(slug="benedikt-brandt", first_name="Benedikt", last_name="Brandt")
    event = Message.objects.get(payload__partner__id=ben.pk)
    assert event.payload["partner"]["slug"] == "benedikt-brandt"

    person_erase(subject_kind="partner", subject_id=ben.pk, actor=admin)

    event.refresh_from_db()
    assert "benedikt" not in str(event.payload).lower()
    assert event.payload["partner"]["id"] == ben.pk  # the receiver's reference stays
    assert Message.objects.get(payload__partner__id=other.pk).payload["partner"]["slug"] == (
        "otto-ohnesorg"
    )


def test_campaign_labels_naming_the_partner_become_one_pseudonym_each(admin, anna):
    for name in ("albers-herbst", "anna-herbst", "sommer"):
        campaign_create(partner=anna, name=name)
        landing_link_visit_record(partner_id=anna.pk, campaign=name)

    person_erase(subject_kind="partner", subject_id=anna.pk, actor=admin)

    labels = sorted(Campaign.objects.filter(partner=anna).values_list("name", flat=True))
    counted = sorted(LinkVisitDay.objects.filter(partner=anna).values_list("campaign", flat=True))
    assert labels == counted  # the visit counts still belong to their campaign
    assert "sommer" in labels and len(set(labels)) == 3
    assert not any("albers" in label or "anna" in label for label in labels)
    assert all(label.startswith("geloescht-") for label in labels if label != "sommer")


@pytest.fixture
def left_out_run(anna):
    profile_make(anna)
    statement_make(anna, payout="100.00")
    ben = PartnerFactory(slug="ben", first_name="Ben", last_name="Brandt")
    statement_make(ben, payout="50.00")  # no payout details: left out
    payout_items_sync()
    return payout_run_prepare(actor=UserFactory(is_staff=True, is_superuser=True)), ben


def test_a_run_shows_who_it_left_out_by_their_name_read_now(admin, left_out_run):
    run, ben = left_out_run
    assert [s["partner_id"] for s in run.skipped] == [ben.pk]
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(admin)
    page = client.get(f"/admin/payouts/payoutrun/{run.pk}/change/").content.decode()
    assert "Ben Brandt (ben, 50.00 €)" in page

    person_erase(subject_kind="partner", subject_id=ben.pk, actor=admin)

    page = client.get(f"/admin/payouts/payoutrun/{run.pk}/change/").content.decode()
    assert "Brandt" not in page and f"geloescht-{ben.pk}" in page


def test_runs_prepared_before_name_the_left_out_partner_by_id(left_out_run):
    run, ben = left_out_run
    item = PayoutItem.objects.get(partner=ben)
    old = [{"partner": "ben", "name": "Ben Brandt", "item": item.pk, "net": "50.00", "missing": []}]
    PayoutRun.objects.filter(pk=run.pk).update(skipped=old)

    importlib.import_module("payouts.migrations.0010_erase_runs_left_out_by_id").by_id(apps, None)

    run.refresh_from_db()
    assert run.skipped == [{"partner_id": ben.pk, "item": item.pk, "net": "50.00", "missing": []}]


def test_team_notices_written_before_name_the_new_partner_by_id(
    django_capture_on_commit_callbacks,
):
    sponsor = PartnerFactory()
    with django_capture_on_commit_callbacks(execute=True):
        ben = PartnerFactory(sponsor=sponsor)
    Notification.objects.filter(kind="team_new").update(params={"name": "Ben M."})

    module = "notifications.migrations.0004_erase_team_notices_name_their_partner"
    importlib.import_module(module).name_the_partner(apps, None)

    assert Notification.objects.get(kind="team_new").params == {
        "name": "Ben M.",
        "partner_id": ben.pk,
    }
