"""Sign-in security: allauth's rate limits, the admin behind allauth's login, CSRF."""

from urllib.parse import unquote

import pytest
from django.conf import settings
from django.core.cache import caches
from django.test import Client

from tests.factories import PartnerFactory
from tests.partners.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def test_rate_limits_use_a_real_cache():
    # allauth keeps its counters in the default cache: locmem here, Redis when REDIS_URL is set.
    assert settings.CACHES["default"]["BACKEND"].endswith(("LocMemCache", "RedisCache"))
    caches["default"].set("probe", 1)
    assert caches["default"].get("probe") == 1


def test_repeated_failed_logins_are_rate_limited(client):
    # Given a partner whose password someone is guessing
    PartnerFactory(slug="anna", email="anna@example.com", password=PASSWORD)
    for attempt in range(5):
        response = client.post(
            "/accounts/login/", {"login": "anna@example.com", "password": f"wrong-{attempt}"}
        )
        assert "Too many failed login attempts" not in response.content.decode()

    # When the next attempt comes, even with the right password
    response = client.post("/accounts/login/", {"login": "anna@example.com", "password": PASSWORD})

    # Then it is refused until the window has passed
    assert response.status_code == 200
    assert "Too many failed login attempts. Try again later." in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_correct_login_goes_through_before_the_limit(client):
    PartnerFactory(slug="anna", email="anna@example.com", password=PASSWORD)
    client.post("/accounts/login/", {"login": "anna@example.com", "password": "wrong"})

    response = client.post("/accounts/login/", {"login": "anna@example.com", "password": PASSWORD})

    assert response.status_code == 302 and response["Location"] == "/dashboard/"


def test_admin_login_page_is_allauths_login(client):
    response = client.get("/admin/login/?next=/admin/")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")
    assert unquote(response["Location"]).endswith("next=/admin/")


def test_admin_signs_in_through_allauth_and_reaches_the_admin(client, django_user_model):
    django_user_model.objects.create_superuser(email="admin@example.com", password=PASSWORD)

    first = client.get("/admin/", follow=True)
    assert first.redirect_chain[-1][0].startswith("/accounts/login/")
    next_url = unquote(first.redirect_chain[-1][0].split("next=", 1)[1])

    signed_in = client.post(
        "/accounts/login/",
        {"login": "admin@example.com", "password": PASSWORD, "next": next_url},
        follow=True,
    )

    assert signed_in.status_code == 200
    assert signed_in.redirect_chain[-1][0] == "/admin/"


def test_admin_login_is_rate_limited_like_the_site_login(client, django_user_model):
    django_user_model.objects.create_superuser(email="admin@example.com", password=PASSWORD)
    for attempt in range(5):
        client.post(
            "/accounts/login/?next=/admin/",
            {"login": "admin@example.com", "password": f"x{attempt}"},
        )

    response = client.post(
        "/accounts/login/?next=/admin/", {"login": "admin@example.com", "password": PASSWORD}
    )

    assert "Too many failed login attempts" in response.content.decode()


def test_signed_in_partner_without_staff_rights_is_refused_by_the_admin(client):
    partner = PartnerFactory()
    client.force_login(partner.user)

    assert client.get("/admin/login/").status_code == 403


def test_signup_form_is_csrf_protected(db):
    browser = Client(enforce_csrf_checks=True)
    PartnerFactory(slug="anna")

    response = browser.post("/join/anna/", {"email": "x@example.com"})

    assert response.status_code == 403


def test_language_switch_is_csrf_protected(db):
    browser = Client(enforce_csrf_checks=True)

    assert browser.post("/i18n/setlang/", {"language": "en"}).status_code == 403


def test_password_validators_refuse_a_weak_password(client, signup_data):
    PartnerFactory(slug="anna")

    response = client.post("/join/anna/", signup_data(password1="12345678", password2="12345678"))

    html = response.content.decode()
    assert "This password is too short." in html or "This password is too common." in html
