"""Profile: name, validated photo, message, social links; the landing page's
cache is dropped after a change."""

import io
import os

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from dashboard import services
from dashboard.services import partner_profile_update
from landing import services as landing_services
from tests.dashboard.conftest import client_for


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def image_upload(name="me.png", size=(1600, 1200), fmt="PNG", mode="RGB"):
    buffer = io.BytesIO()
    Image.new(mode, size, "teal").save(buffer, format=fmt)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type=f"image/{fmt.lower()}")


def form_data(**changes):
    data = {
        "first_name": "Anna",
        "last_name": "Albers",
        "message": "",
        "instagram_url": "",
        "tiktok_url": "",
        "youtube_url": "",
        "website_url": "",
    }
    data.update(changes)
    return data


@pytest.fixture
def invalidations(monkeypatch):
    """Records calls of landing.services.landing_cache_invalidate."""
    calls = []

    def fake(*, partner_id=None):
        calls.append(partner_id)

    monkeypatch.setattr(landing_services, "landing_cache_invalidate", fake)
    return calls


@pytest.mark.django_db
def test_profile_update_saves_and_refreshes_the_landing_page(
    team, invalidations, django_capture_on_commit_callbacks
):
    client = client_for(team.anna)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/dashboard/profile/",
            form_data(
                first_name=" Anna-Lena ",
                message="Hallo! Natürlich schön.",
                instagram_url="https://instagram.com/annalena",
                photo=image_upload(),
            ),
        )

    assert response.status_code == 302
    team.anna.refresh_from_db()
    assert team.anna.first_name == "Anna-Lena"
    assert team.anna.user.first_name == "Anna-Lena"
    assert team.anna.message == "Hallo! Natürlich schön."
    assert team.anna.instagram_url == "https://instagram.com/annalena"
    with Image.open(team.anna.photo.path) as stored:
        assert max(stored.size) == 800
    assert invalidations == [team.anna.pk]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "upload, message",
    [
        (
            SimpleUploadedFile("me.jpg", b"this is not an image", content_type="image/jpeg"),
            "not a valid image",
        ),
        (image_upload("me.gif", fmt="GIF", mode="P"), "JPEG, PNG or WebP"),
    ],
)
def test_profile_refuses_a_bad_photo(team, upload, message):
    response = client_for(team.anna).post(
        "/dashboard/profile/", form_data(first_name="Changed", photo=upload)
    )

    assert response.status_code == 400
    assert message in response.content.decode()
    team.anna.refresh_from_db()
    assert team.anna.first_name == "Anna"
    assert not team.anna.photo


@pytest.mark.django_db
def test_profile_refuses_a_too_large_photo(team, monkeypatch):
    monkeypatch.setattr(services, "PHOTO_MAX_BYTES", 1000)

    response = client_for(team.anna).post(
        "/dashboard/profile/", form_data(photo=image_upload(size=(400, 400)))
    )

    assert response.status_code == 400
    assert "too large" in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("bad_url", ["not a url", "javascript:alert(1)", "ftp://example.com/x"])
def test_profile_refuses_a_bad_social_link(team, bad_url):
    response = client_for(team.anna).post("/dashboard/profile/", form_data(website_url=bad_url))

    assert response.status_code == 400
    assert 'id="id_website_url_error"' in response.content.decode()
    team.anna.refresh_from_db()
    assert team.anna.website_url == ""


@pytest.mark.django_db
def test_service_checks_its_input_itself(team):
    with pytest.raises(ValidationError) as excinfo:
        partner_profile_update(
            partner=team.anna, first_name="", last_name="Albers", website_url="javascript:alert(1)"
        )

    assert set(excinfo.value.message_dict) == {"first_name", "website_url"}


@pytest.mark.django_db
def test_profile_page_previews_the_landing_page(team):
    team.anna.message = "Willkommen bei mir"
    team.anna.save()

    html = client_for(team.anna).get("/dashboard/profile/").content.decode()

    assert "Willkommen bei mir" in html
    assert 'href="http://127.0.0.1:8000/anna/"' in html or "/anna/" in html


@pytest.mark.django_db
def test_removing_the_photo_deletes_the_file(
    team, invalidations, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        partner_profile_update(
            partner=team.anna, first_name="Anna", last_name="Albers", photo=image_upload()
        )
    team.anna.refresh_from_db()
    path = team.anna.photo.path

    with django_capture_on_commit_callbacks(execute=True):
        partner_profile_update(
            partner=team.anna, first_name="Anna", last_name="Albers", remove_photo=True
        )

    team.anna.refresh_from_db()
    assert not team.anna.photo
    assert not os.path.exists(path)
