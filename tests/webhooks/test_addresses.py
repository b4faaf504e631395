"""SSRF: webhooks go to public addresses only."""

import pytest
from django.core.exceptions import ValidationError

from webhooks.addresses import endpoint_url_check
from webhooks.models import Endpoint
from webhooks.services import webhook_endpoint_save


@pytest.mark.parametrize(
    "url",
    [
        "https://127.0.0.1/hook",
        "https://localhost.localdomain.invalid/hook",  # does not resolve
        "https://10.1.2.3/hook",
        "https://172.16.0.9/hook",
        "https://192.168.178.1/hook",
        "https://169.254.169.254/latest/meta-data/",
        "https://100.64.0.1/hook",
        "https://0.0.0.0/hook",
        "https://224.0.0.1/hook",
        "https://[::1]/hook",
        "https://[fd00::1]/hook",
        "https://[fe80::1]/hook",
        "https://[::ffff:127.0.0.1]/hook",
        "https://intranet.example.com/hook",  # a name that resolves to 10.x
        "https://half-private.example.com/hook",  # one of its addresses is private
    ],
)
def test_private_loopback_and_link_local_receivers_are_refused(url):
    with pytest.raises(ValidationError):
        endpoint_url_check(url)


@pytest.mark.parametrize(
    "url",
    ["https://hooks.example.com/mlm", "https://crm.example.net:8443/in", "https://93.184.216.34/x"],
)
def test_public_https_receivers_are_accepted(url):
    endpoint_url_check(url)


def test_a_name_resolving_to_a_private_address_is_named_in_the_message():
    with pytest.raises(ValidationError) as error:
        endpoint_url_check("https://intranet.example.com/hook")
    assert "10.20.30.40" in error.value.messages[0]


@pytest.mark.parametrize(
    "url", ["ftp://hooks.example.com/x", "file:///etc/passwd", "https://user:pw@hooks.example.com/"]
)
def test_other_schemes_and_credentials_in_the_url_are_refused(url):
    with pytest.raises(ValidationError):
        endpoint_url_check(url)


def test_plain_http_only_outside_production(settings):
    settings.WEBHOOKS_ALLOW_HTTP = True
    endpoint_url_check("http://hooks.example.com/mlm")
    settings.WEBHOOKS_ALLOW_HTTP = False
    with pytest.raises(ValidationError, match="https"):
        endpoint_url_check("http://hooks.example.com/mlm")


@pytest.mark.django_db
def test_saving_an_endpoint_refuses_a_private_url():
    with pytest.raises(ValidationError):
        webhook_endpoint_save(endpoint=Endpoint(url="https://10.0.0.1/", events=["order.paid"]))
    assert Endpoint.objects.count() == 0
