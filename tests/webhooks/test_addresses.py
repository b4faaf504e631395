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
        "https://[2002:7f00:1::1]/hook",  # 6to4 around 127.0.0.1
        "https://[2002:a9fe:a9fe::1]/hook",  # 6to4 around 169.254.169.254
        "https://[2002:c0a8:0101::1]/hook",  # 6to4 around 192.168.1.1
        "https://[2002:0a00:0001::1]/hook",  # 6to4 around 10.0.0.1
        "https://[2001:0:4136:e378:8000:63bf:80ff:fffe]/hook",  # Teredo, client 127.0.0.1
        "https://[2001:0:4136:e378:8000:63bf:5601:5601]/hook",  # Teredo, 169.254.169.254
        "https://[2001:0:7f00:1:8000:63bf:f7f7:f7f7]/hook",  # Teredo, server 127.0.0.1
        "https://[64:ff9b::a9fe:a9fe]/hook",  # NAT64 around 169.254.169.254
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


def test_a_6to4_address_around_a_public_ipv4_address_is_accepted():
    from webhooks.addresses import address_is_public

    assert address_is_public("2002:5db8:d822::1")  # 93.184.216.34


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
