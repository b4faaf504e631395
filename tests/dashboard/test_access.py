"""Who may see what: signed-in partners see only their own data and downline."""

import pytest
from django.test import Client

from dashboard.services import api_token_create
from partners.models import ApiToken, Partner
from tests.dashboard.conftest import client_for
from tests.factories import UserFactory

PAGES = [
    "/dashboard/",
    "/dashboard/live/",
    "/dashboard/history/",
    "/dashboard/team/",
    "/dashboard/customers/",
    "/dashboard/landing-page/",
    "/dashboard/profile/",
    "/dashboard/api-tokens/",
    "/dashboard/qr.svg",
    "/dashboard/qr.png",
]


@pytest.mark.django_db
@pytest.mark.parametrize("url", PAGES)
def test_anonymous_visitor_is_sent_to_sign_in(url):
    response = Client().get(url)

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")


@pytest.mark.django_db
def test_expired_session_during_polling_redirects_the_whole_page_to_sign_in():
    response = Client().get("/dashboard/live/", HTTP_HX_REQUEST="true")

    assert response.status_code == 204
    assert response["HX-Redirect"].startswith("/accounts/login/")


@pytest.mark.django_db
def test_staff_without_partner_gets_a_friendly_explanation():
    admin = UserFactory(is_staff=True, is_superuser=True)
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(admin)

    response = client.get("/dashboard/")

    assert response.status_code == 403
    assert "This account has no partner dashboard" in response.content.decode()


@pytest.mark.django_db
def test_terminated_partner_sees_that_the_partnership_ended(team):
    Partner.objects.filter(pk=team.finn.pk).update(status=Partner.Status.TERMINATED)

    response = client_for(team.finn).get("/dashboard/")

    assert response.status_code == 403
    assert "Your partnership has ended" in response.content.decode()


@pytest.mark.django_db
def test_partner_sees_their_own_numbers_not_their_sponsors(team):
    response = client_for(team.ben).get("/dashboard/live/")
    html = response.content.decode()

    assert 'data-stat="gv">1,070<' in html
    assert "2,230" not in html  # Anna's GV


@pytest.mark.django_db
def test_partner_can_open_any_node_of_their_downline(team):
    response = client_for(team.anna).get(
        f"/dashboard/team/{team.clara.pk}/", HTTP_HX_REQUEST="true"
    )

    assert response.status_code == 200
    assert 'data-partner="finn"' in response.content.decode()


@pytest.mark.django_db
def test_expanding_a_node_outside_ones_team_is_not_found(team):
    ben = client_for(team.ben)

    sideways = ben.get(f"/dashboard/team/{team.clara.pk}/", HTTP_HX_REQUEST="true")
    upwards = ben.get(f"/dashboard/team/{team.anna.pk}/")
    below_someone_else = ben.get(f"/dashboard/team/{team.finn.pk}/")

    assert sideways.status_code == upwards.status_code == below_someone_else.status_code == 404


@pytest.mark.django_db
def test_a_partner_cannot_revoke_someone_elses_token(team):
    token, _raw = api_token_create(partner=team.anna, name="sheet")

    response = client_for(team.ben).post(f"/dashboard/api-tokens/{token.pk}/revoke/")

    assert response.status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


@pytest.mark.django_db
def test_tokens_page_lists_only_ones_own_tokens(team):
    api_token_create(partner=team.anna, name="anna-sheet")
    api_token_create(partner=team.ben, name="ben-site")

    html = client_for(team.ben).get("/dashboard/api-tokens/").content.decode()

    assert "ben-site" in html
    assert "anna-sheet" not in html
    assert ApiToken.objects.count() == 2
