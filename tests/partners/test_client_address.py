"""Which address a request comes from: X-Forwarded-For only from a trusted proxy,
read from the right; every rate limit (here: allauth's login limits) keys on it."""

import pytest
from django.test import Client, RequestFactory

from partners.client_address import request_client_ip
from tests.factories import PartnerFactory
from tests.partners.conftest import PASSWORD

PROXY = "10.0.0.2"


def ip(remote, forwarded=None):
    headers = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded is not None else {}
    return request_client_ip(request=RequestFactory().get("/", REMOTE_ADDR=remote, **headers))


def test_without_trusted_proxies_the_header_is_never_believed(settings):
    settings.TRUSTED_PROXIES = []
    assert ip("198.51.100.7", "203.0.113.1") == "198.51.100.7"


def test_a_request_from_an_untrusted_address_keeps_its_own_even_with_a_header(settings):
    settings.TRUSTED_PROXIES = [PROXY]
    assert ip("198.51.100.7", "203.0.113.1, 10.0.0.2") == "198.51.100.7"


def test_behind_the_trusted_proxy_the_client_is_the_hop_the_proxy_saw(settings):
    settings.TRUSTED_PROXIES = [PROXY]
    assert ip(PROXY, "203.0.113.9") == "203.0.113.9"


def test_a_client_cannot_choose_its_address_by_sending_the_header_itself(settings):
    # The client sent "X-Forwarded-For: 1.2.3.4"; the proxy appended what it saw.
    settings.TRUSTED_PROXIES = [PROXY]
    assert ip(PROXY, "1.2.3.4, 203.0.113.9") == "203.0.113.9"


def test_proxies_in_a_chain_are_skipped_by_network(settings):
    settings.TRUSTED_PROXIES = "10.0.0.0/8, 2001:db8::/32"
    assert ip(PROXY, "1.2.3.4, 203.0.113.9, 10.1.2.3, 2001:db8::5") == "203.0.113.9"


def test_garbage_in_the_header_stops_at_the_last_address_a_proxy_vouches_for(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    assert ip(PROXY, "203.0.113.9, not-an-ip") == PROXY
    assert ip(PROXY, "") == PROXY


def test_addresses_with_ports_and_mapped_ipv4_are_read_as_addresses(settings):
    settings.TRUSTED_PROXIES = [PROXY]
    assert ip(PROXY, "203.0.113.9:51234") == "203.0.113.9"
    assert ip(PROXY, "[2001:db8::7]:443") == "2001:db8::7"
    assert ip("::ffff:10.0.0.2", "203.0.113.9") == "203.0.113.9"


def fail_logins(client, n, headers):
    for attempt in range(n):
        client.post(
            "/accounts/login/",
            # a new e-mail each time: only the per-address limit counts
            {"login": f"guess{attempt}@example.com", "password": "wrong"},
            **headers,
        )


def login_refused(client, headers) -> bool:
    response = client.post(
        "/accounts/login/",
        {"login": "anna@example.com", "password": PASSWORD},
        HTTP_ACCEPT_LANGUAGE="en",
        **headers,
    )
    return "Too many failed login attempts" in response.content.decode()


@pytest.mark.django_db
def test_behind_the_proxy_one_guessing_client_is_limited_and_the_others_are_not(settings):
    settings.TRUSTED_PROXIES = [PROXY]
    PartnerFactory(slug="anna", email="anna@example.com", password=PASSWORD)
    proxy = Client(REMOTE_ADDR=PROXY)
    fail_logins(proxy, 10, {"HTTP_X_FORWARDED_FOR": "203.0.113.66"})
    assert login_refused(proxy, {"HTTP_X_FORWARDED_FOR": "203.0.113.66"})
    assert not login_refused(proxy, {"HTTP_X_FORWARDED_FOR": "203.0.113.67"})


@pytest.mark.django_db
def test_without_a_trusted_proxy_a_made_up_header_does_not_escape_the_login_limit(settings):
    settings.TRUSTED_PROXIES = []
    PartnerFactory(slug="anna", email="anna@example.com", password=PASSWORD)
    attacker = Client(REMOTE_ADDR="198.51.100.7")
    for n in range(10):
        fail_logins(attacker, 1, {"HTTP_X_FORWARDED_FOR": f"203.0.113.{n}"})
    assert login_refused(attacker, {"HTTP_X_FORWARDED_FOR": "203.0.113.200"})


def test_the_intake_api_throttle_asks_the_same_owner_for_the_address(settings):
    from rest_framework.request import Request

    from orders.api_auth import CompanyApiKeyThrottle

    settings.TRUSTED_PROXIES = [PROXY]
    request = Request(
        RequestFactory().get("/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.9")
    )
    assert CompanyApiKeyThrottle().get_ident(request) == "203.0.113.9"
