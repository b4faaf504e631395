"""Partner admin: search, sponsor autocomplete, downline link, moves and status actions."""

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME

from partners.models import Partner, SponsorChange, StatusChange
from tests.factories import PartnerFactory

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/partners/partner/"


@pytest.fixture
def team():
    """anna > ben > dora, anna > clara; zoe is a root of her own."""
    anna = PartnerFactory(slug="anna", first_name="Anna", last_name="Albers")
    ben = PartnerFactory(slug="ben", first_name="Ben", last_name="Berger", sponsor=anna)
    dora = PartnerFactory(slug="dora", first_name="Dora", last_name="Dietz", sponsor=ben)
    clara = PartnerFactory(slug="clara", first_name="Clara", last_name="Conrad", sponsor=anna)
    zoe = PartnerFactory(slug="zoe", first_name="Zoe", last_name="Zander")
    return {"anna": anna, "ben": ben, "dora": dora, "clara": clara, "zoe": zoe}


def listed_slugs(response) -> set[str]:
    return {p.slug for p in response.context["cl"].result_list}


@pytest.mark.parametrize(
    ("term", "expected"),
    [("berger", {"ben"}), ("Clara", {"clara"}), ("dora@example.com", {"dora"}), ("zoe", {"zoe"})],
)
def test_admin_finds_partners_by_name_email_and_address(admin_client, team, term, expected):
    response = admin_client.get(CHANGELIST, {"q": term})

    assert response.status_code == 200
    assert listed_slugs(response) == expected


def test_admin_filters_partners_by_status(admin_client, team):
    Partner.objects.filter(pk=team["zoe"].pk).update(status=Partner.Status.INACTIVE)

    response = admin_client.get(CHANGELIST, {"status__exact": "inactive"})

    assert listed_slugs(response) == {"zoe"}


def test_team_link_lists_exactly_the_partners_downline(admin_client, team):
    changelist = admin_client.get(CHANGELIST).content.decode()
    assert f'href="{CHANGELIST}?downline_of={team["anna"].pk}"' in changelist

    response = admin_client.get(CHANGELIST, {"downline_of": team["anna"].pk})

    assert listed_slugs(response) == {"ben", "dora", "clara"}
    assert listed_slugs(admin_client.get(CHANGELIST, {"downline_of": team["ben"].pk})) == {"dora"}


def test_sponsor_is_chosen_by_autocomplete_not_from_a_list_of_all_partners(admin_client, team):
    html = admin_client.get(f"{CHANGELIST}add/").content.decode()

    assert "admin-autocomplete" in html
    assert "Albers" not in html and "Zander" not in html  # no <option> per partner


def test_sponsor_autocomplete_finds_partners_but_not_terminated_ones(admin_client, team):
    Partner.objects.filter(pk=team["clara"].pk).update(status=Partner.Status.TERMINATED)
    params = {"app_label": "partners", "model_name": "partner", "field_name": "sponsor"}

    found = admin_client.get("/admin/autocomplete/", {**params, "term": "albers"}).json()
    terminated = admin_client.get("/admin/autocomplete/", {**params, "term": "conrad"}).json()

    assert [r["id"] for r in found["results"]] == [str(team["anna"].pk)]
    assert "Anna Albers" in found["results"][0]["text"]
    assert terminated["results"] == []


def test_admin_adds_a_root_partner_through_enrollment(admin_client, db):
    response = admin_client.post(
        f"{CHANGELIST}add/",
        {
            "email": "Root@Example.com",
            "first_name": "Rita",
            "last_name": "Root",
            "slug": "rita",
            "status": "active",
        },
    )

    assert response.status_code == 302
    rita = Partner.objects.get(slug="rita")
    assert rita.sponsor is None and rita.path == "" and rita.depth == 0
    assert rita.user.email == "root@example.com"
    assert not rita.user.has_usable_password()


def test_admin_adds_a_partner_under_a_sponsor_with_path_and_depth(admin_client, team):
    admin_client.post(
        f"{CHANGELIST}add/",
        {
            "email": "eva@example.com",
            "first_name": "Eva",
            "last_name": "Ernst",
            "slug": "eva",
            "sponsor": team["dora"].pk,
            "status": "active",
        },
    )

    eva = Partner.objects.get(slug="eva")
    assert eva.path == f"{team['anna'].pk}.{team['ben'].pk}.{team['dora'].pk}." and eva.depth == 3


def test_admin_add_form_refuses_a_taken_address_with_a_suggestion(admin_client, team):
    response = admin_client.post(
        f"{CHANGELIST}add/",
        {
            "email": "x@example.com",
            "first_name": "X",
            "last_name": "Y",
            "slug": "anna",
            "status": "active",
        },
    )

    assert response.status_code == 200
    assert "“anna” is already taken. How about “anna-2”?" in response.content.decode()


def test_change_page_shows_genealogy_read_only(admin_client, team):
    response = admin_client.get(f"{CHANGELIST}{team['dora'].pk}/change/")

    html = response.content.decode()
    assert response.status_code == 200
    assert (
        'name="sponsor"' not in html and 'name="path"' not in html and 'name="status"' not in html
    )
    assert f"{team['anna'].pk}.{team['ben'].pk}." in html
    form_fields = response.context["adminform"].form.fields
    assert "first_name" in form_fields and "sponsor" not in form_fields


def _action(admin_client, action, partners, **data):
    return admin_client.post(
        CHANGELIST,
        {"action": action, ACTION_CHECKBOX_NAME: [p.pk for p in partners], **data},
    )


def test_move_action_asks_for_sponsor_and_reason_first(admin_client, team):
    response = _action(admin_client, "move_to_sponsor", [team["ben"]])

    html = response.content.decode()
    assert response.status_code == 200
    assert "Move to another sponsor" in html
    assert 'name="reason"' in html and "admin-autocomplete" in html
    assert SponsorChange.objects.count() == 0


def test_move_action_moves_partner_with_team_and_logs_it(admin_client, admin_user, team):
    response = _action(
        admin_client,
        "move_to_sponsor",
        [team["ben"]],
        apply="1",
        new_sponsor=team["zoe"].pk,
        reason="Wunsch der Partnerin",
    )

    assert response.status_code == 302
    ben, dora = Partner.objects.get(slug="ben"), Partner.objects.get(slug="dora")
    assert ben.sponsor == team["zoe"] and ben.depth == 1
    assert dora.path == f"{team['zoe'].pk}.{ben.pk}." and dora.depth == 2
    change = SponsorChange.objects.get()
    assert (change.from_sponsor, change.to_sponsor, change.changed_by) == (
        team["anna"],
        team["zoe"],
        admin_user,
    )
    assert change.reason == "Wunsch der Partnerin" and change.team_size == 1
    messages = [str(m) for m in admin_client.get(CHANGELIST).context["messages"]]
    assert any("Ben Berger moved to Zoe Zander" in m for m in messages)


def test_move_under_own_downline_is_refused_with_a_clear_error(admin_client, team):
    response = _action(
        admin_client,
        "move_to_sponsor",
        [team["anna"]],
        apply="1",
        new_sponsor=team["dora"].pk,
        reason="Test",
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert "cannot be moved under their own downline" in html
    assert SponsorChange.objects.count() == 0
    assert Partner.objects.get(slug="dora").path == f"{team['anna'].pk}.{team['ben'].pk}."


def test_move_needs_a_reason(admin_client, team):
    response = _action(
        admin_client,
        "move_to_sponsor",
        [team["ben"]],
        apply="1",
        new_sponsor=team["zoe"].pk,
        reason=" ",
    )

    assert "Please give a reason." in response.content.decode()
    assert SponsorChange.objects.count() == 0


@pytest.mark.parametrize(
    ("action", "start", "end"),
    [
        ("pause", Partner.Status.ACTIVE, Partner.Status.INACTIVE),
        ("reactivate", Partner.Status.INACTIVE, Partner.Status.ACTIVE),
        ("terminate", Partner.Status.ACTIVE, Partner.Status.TERMINATED),
    ],
)
def test_status_actions_change_status_and_write_the_audit(
    admin_client, admin_user, team, action, start, end
):
    clara = team["clara"]
    Partner.objects.filter(pk=clara.pk).update(status=start)

    response = _action(admin_client, action, [clara], apply="1", reason="Vertrag beendet")

    assert response.status_code == 302
    assert Partner.objects.get(pk=clara.pk).status == end
    change = StatusChange.objects.get(partner=clara)
    assert (change.from_status, change.to_status) == (start, end)
    assert change.changed_by == admin_user and change.reason == "Vertrag beendet"


def test_status_action_asks_for_a_reason_first(admin_client, team):
    response = _action(admin_client, "terminate", [team["clara"]])

    html = response.content.decode()
    assert "A termination cannot be undone." in html and 'name="reason"' in html
    assert Partner.objects.get(slug="clara").status == Partner.Status.ACTIVE


def test_terminated_partner_cannot_be_reactivated_in_the_admin(admin_client, team):
    Partner.objects.filter(pk=team["clara"].pk).update(status=Partner.Status.TERMINATED)

    response = _action(admin_client, "reactivate", [team["clara"]], apply="1", reason="Versehen")

    assert "A terminated partner cannot be reactivated." in response.content.decode()
    assert StatusChange.objects.count() == 0


def test_partners_cannot_be_deleted_only_terminated(admin_client, team):
    response = admin_client.get(f"{CHANGELIST}{team['zoe'].pk}/delete/")

    assert response.status_code == 403


def test_audit_logs_are_read_only(admin_client, admin_user, team):
    from partners.services import partner_move

    change = partner_move(
        partner=team["ben"], new_sponsor=team["zoe"], changed_by=admin_user, reason="Test"
    )

    assert admin_client.get("/admin/partners/sponsorchange/").status_code == 200
    assert admin_client.get("/admin/partners/sponsorchange/add/").status_code == 403
    assert admin_client.get(f"/admin/partners/sponsorchange/{change.pk}/delete/").status_code == 403
    detail = admin_client.get(f"/admin/partners/sponsorchange/{change.pk}/change/")
    assert detail.status_code == 200 and 'name="reason"' not in detail.content.decode()
    assert admin_client.get("/admin/partners/statuschange/add/").status_code == 403


def test_user_admin_works_with_email_logins(admin_client, admin_user):
    listing = admin_client.get("/admin/partners/user/", {"q": "admin@"})
    added = admin_client.post(
        "/admin/partners/user/add/",
        {
            "email": "Staff@Example.com",
            "usable_password": "true",
            "password1": "Sonnenblume-2026!",
            "password2": "Sonnenblume-2026!",
        },
    )

    assert listing.status_code == 200 and "admin@example.com" in listing.content.decode()
    assert added.status_code == 302
    from partners.models import User

    assert User.objects.get(email="staff@example.com").check_password("Sonnenblume-2026!")
