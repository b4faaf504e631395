"""Team contact: a partner may share e-mail and phone with their upline (opt-in
on the profile); the team list shows them only where shared; the consent is kept."""

import pytest
from django.core.exceptions import ValidationError

from dashboard.services import partner_profile_update
from partners.models import Partner
from privacy.services import person_export
from tests.dashboard.conftest import client_for

pytestmark = pytest.mark.django_db


def share(partner, *, phone="+49 151 2345678", on=True):
    return partner_profile_update(
        partner=partner,
        first_name=partner.first_name,
        last_name=partner.last_name,
        phone=phone,
        share_contact=on,
    )


def test_the_upline_sees_e_mail_and_phone_only_of_those_who_shared(team):
    share(team.dora)
    partner_profile_update(
        partner=team.emil, first_name="Emil", last_name="E", phone="0301234567"
    )  # a phone, but not shared

    html = client_for(team.anna).get("/dashboard/team/").content.decode()

    dora_row = html.split('data-partner="dora"')[1].split("</tr>")[0]
    emil_row = html.split('data-partner="emil"')[1].split("</tr>")[0]
    assert team.dora.user.email in dora_row and "+49 151 2345678" in dora_row
    assert team.emil.user.email not in emil_row and "0301234567" not in emil_row


def test_withdrawing_the_consent_hides_the_contact_again(team):
    share(team.dora)
    share(Partner.objects.get(pk=team.dora.pk), on=False)

    html = client_for(team.ben).get("/dashboard/team/").content.decode()

    assert team.dora.user.email not in html
    assert Partner.objects.get(pk=team.dora.pk).contact_shared_at is None


def test_the_profile_form_sets_the_opt_in(team):
    client = client_for(team.dora)
    response = client.post(
        "/dashboard/profile/",
        {
            "first_name": "Dora",
            "last_name": "D",
            "phone": "0151 2345678",
            "share_contact": "on",
        },
    )
    assert response.status_code == 302
    dora = Partner.objects.get(pk=team.dora.pk)
    assert dora.phone == "0151 2345678" and dora.contact_shared_at is not None


def test_a_bad_phone_number_is_refused(team):
    with pytest.raises(ValidationError) as caught:
        share(team.dora, phone="call me maybe")
    assert "phone" in caught.value.message_dict


def test_the_privacy_export_lists_the_consent(team):
    import io
    import json
    import zipfile

    share(team.dora)
    archive = zipfile.ZipFile(
        io.BytesIO(person_export(subject_kind="partner", subject_id=team.dora.pk))
    )
    rows = json.loads(archive.read("partners_partner.json"))
    assert rows[0]["contact_shared_at"] and rows[0]["phone"] == "+49 151 2345678"
    assert "contact_shared_at" in archive.read("README.txt").decode()


@pytest.mark.parametrize(
    ("field", "url"),
    [
        ("instagram_url", "https://example.com/anna"),
        ("tiktok_url", "https://instagram.com/anna"),
        ("youtube_url", "https://evil.example/youtube.com"),
    ],
)
def test_social_links_must_point_to_their_network(team, field, url):
    with pytest.raises(ValidationError) as caught:
        partner_profile_update(partner=team.anna, first_name="Anna", last_name="A", **{field: url})
    assert field in caught.value.message_dict


def test_social_links_on_their_network_are_accepted(team):
    partner = partner_profile_update(
        partner=team.anna,
        first_name="Anna",
        last_name="A",
        instagram_url="https://www.instagram.com/anna",
        tiktok_url="https://www.tiktok.com/@anna",
        youtube_url="https://youtu.be/xyz",
    )
    assert partner.youtube_url == "https://youtu.be/xyz"
