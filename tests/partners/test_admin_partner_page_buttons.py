"""A partner's page offers what can be done to that partner (move with team,
pause or reactivate, terminate, erasure request) as buttons, each leading to
the same confirmation page as the list action, and back to the partner."""

import pytest

from partners.models import Partner, SponsorChange, StatusChange
from tests.factories import PartnerFactory
from tests.orders.helpers import staff_client

pytestmark = pytest.mark.django_db


def page_url(partner):
    return f"/admin/partners/partner/{partner.pk}/change/"


def do_url(partner, action):
    return f"/admin/partners/partner/{partner.pk}/do/{action}/"


@pytest.fixture
def anna(db):
    return PartnerFactory(slug="anna", first_name="Anna", last_name="Albers")


@pytest.fixture
def ben(anna):
    return PartnerFactory(slug="ben", first_name="Ben", last_name="Berger", sponsor=anna)


def test_an_active_partners_page_offers_move_pause_terminate_and_erasure(admin_client, ben):
    admin_client.cookies["django_language"] = "de"

    html = admin_client.get(page_url(ben)).content.decode()

    assert f'href="{do_url(ben, "move_to_sponsor")}"' in html
    assert "Zu einem anderen Sponsor verschieben (mit Team)…" in html
    assert f'href="{do_url(ben, "pause")}"' in html and "Pausieren (inaktiv)…" in html
    assert f'href="{do_url(ben, "terminate")}"' in html
    assert do_url(ben, "reactivate") not in html
    assert (
        "/admin/privacy/erasurerequest/by-email/?subject_kind=partner&amp;email=" in html
        and "Löschantrag…" in html
    )


def test_a_paused_partner_can_be_reactivated_and_a_terminated_one_only_erased(
    admin_client, anna, ben
):
    Partner.objects.filter(pk=anna.pk).update(status=Partner.Status.INACTIVE)
    Partner.objects.filter(pk=ben.pk).update(status=Partner.Status.TERMINATED)

    paused = admin_client.get(page_url(anna)).content.decode()
    terminated = admin_client.get(page_url(ben)).content.decode()

    assert do_url(anna, "reactivate") in paused and do_url(anna, "pause") not in paused
    assert "/do/" not in terminated and "erasurerequest/by-email/" in terminated
    assert admin_client.get(do_url(ben, "reactivate")).status_code == 403


def test_the_pause_button_confirms_first_then_pauses_and_returns_to_the_partner(admin_client, ben):
    question = admin_client.get(do_url(ben, "pause"))

    html = question.content.decode()
    assert question.status_code == 200
    assert "Pause partners" in html and 'name="reason"' in html
    assert f'href="{page_url(ben)}" class="button cancel-link"' in html
    assert Partner.objects.get(pk=ben.pk).status == Partner.Status.ACTIVE

    response = admin_client.post(do_url(ben, "pause"), {"apply": "1", "reason": "Elternzeit"})

    assert response.status_code == 302 and response.url == page_url(ben)
    assert Partner.objects.get(pk=ben.pk).status == Partner.Status.INACTIVE
    assert StatusChange.objects.get().reason == "Elternzeit"


def test_the_move_button_moves_the_partner_with_their_team(admin_client, anna, ben):
    dora = PartnerFactory(slug="dora", sponsor=ben)
    zoe = PartnerFactory(slug="zoe")

    response = admin_client.post(
        do_url(ben, "move_to_sponsor"),
        {"apply": "1", "new_sponsor": zoe.pk, "reason": "Wunsch der Partnerin"},
    )

    assert response.status_code == 302 and response.url == page_url(ben)
    assert Partner.objects.get(pk=ben.pk).sponsor == zoe
    assert Partner.objects.get(pk=dora.pk).path == f"{zoe.pk}.{ben.pk}."
    assert SponsorChange.objects.get().team_size == 1


def test_the_erasure_button_opens_the_request_page_with_the_partner_filled_in(admin_client, ben):
    html = admin_client.get(
        "/admin/privacy/erasurerequest/by-email/",
        {"subject_kind": "partner", "email": ben.user.email},
    ).content.decode()

    assert f'value="{ben.user.email}"' in html
    assert '<option value="partner" selected>' in html
    assert "Record an erasure request" in html


def test_staff_who_may_only_look_get_no_buttons(client, ben):
    viewer = staff_client(client, "partners.view_partner")

    html = viewer.get(page_url(ben)).content.decode()

    assert "/do/" not in html and "erasurerequest" not in html
    assert viewer.get(do_url(ben, "pause")).status_code == 403
