"""A stranger cannot lock a partner out: failed sign-ins count per (client,
e-mail); per e-mail they only slow guessing down; a password reset lets the
owner in whatever was tried."""

import re

import pytest
from django.core import mail
from django.core.cache import cache
from django.test import Client

from tests.factories import PartnerFactory
from tests.partners.conftest import PASSWORD

pytestmark = pytest.mark.django_db
NEW_PASSWORD = "a-new-Horse-battery-9"


@pytest.fixture(autouse=True)
def fresh_counts():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def anna(db):
    return PartnerFactory(slug="anna", email="anna@example.com", password=PASSWORD)


def sign_in(password, *, client_address, browser=None):
    browser = browser or Client(HTTP_ACCEPT_LANGUAGE="en")
    response = browser.post(
        "/accounts/login/",
        {"login": "anna@example.com", "password": password},
        REMOTE_ADDR=client_address,
    )
    return browser, response


def test_a_strangers_wrong_passwords_do_not_keep_the_owner_out(anna):
    for attempt in range(8):
        _browser, response = sign_in(f"wrong-{attempt}", client_address="203.0.113.9")
    assert "Too many failed login attempts" in response.content.decode()

    _browser, response = sign_in(PASSWORD, client_address="198.51.100.20")

    assert response.status_code == 302 and response["Location"] == "/dashboard/"


def test_guessing_from_many_clients_is_slowed_down_per_address(anna):
    for client in range(10):
        sign_in("wrong", client_address=f"203.0.113.{client + 1}")

    _browser, response = sign_in("wrong", client_address="203.0.113.99")

    assert "Please wait a minute and try again, or reset your password" in (
        response.content.decode()
    )


def test_a_password_reset_lets_the_owner_in_after_any_number_of_failures(anna):
    owner = "198.51.100.20"
    for attempt in range(6):
        sign_in(f"wrong-{attempt}", client_address=owner)
    for client in range(10):
        sign_in("wrong", client_address=f"203.0.113.{client + 1}")
    _browser, refused = sign_in(PASSWORD, client_address=owner)
    assert refused.status_code == 200  # kept out for now

    browser = Client(HTTP_ACCEPT_LANGUAGE="en", REMOTE_ADDR=owner)
    browser.post("/accounts/password/reset/", {"email": "anna@example.com"})
    link = re.search(r"http://[^/\s]+(/accounts/password/reset/key/\S+)", mail.outbox[-1].body)
    form = browser.get(link.group(1), follow=True)
    browser.post(form.redirect_chain[-1][0], {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    browser.logout()

    _browser, response = sign_in(NEW_PASSWORD, client_address=owner)

    assert response.status_code == 302 and response["Location"] == "/dashboard/"
