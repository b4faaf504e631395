"""A fake DNS and a fake receiver: the webhook tests never touch the network."""

import ipaddress
import socket

import pytest
from django.test import Client
from django.utils import translation

from webhooks import transport
from webhooks.models import Endpoint
from webhooks.services import webhook_endpoint_save

# What the fake resolver answers; anything else does not resolve.
FAKE_DNS = {
    "hooks.example.com": ["93.184.216.34"],
    "crm.example.net": ["2606:2800:220:1:248:1893:25c8:1946"],
    "intranet.example.com": ["10.20.30.40"],
    "half-private.example.com": ["93.184.216.34", "192.168.1.10"],
}


@pytest.fixture(autouse=True)
def english():
    """Messages and reasons read in the source language."""
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def fake_dns(monkeypatch):
    """The resolver's table; a test may change it (a name that moves)."""
    table = {name: list(addresses) for name, addresses in FAKE_DNS.items()}

    def getaddrinfo(host, port, *args, **kwargs):
        try:
            addresses = [str(ipaddress.ip_address(host))]
        except ValueError:
            if host not in table:
                raise socket.gaierror(socket.EAI_NONAME, "Name or service not known") from None
            addresses = table[host]
        return [
            (socket.AF_INET6 if ":" in a else socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, port))
            for a in addresses
        ]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return table


class FakeReceiver:
    """Records every request; answers the queued statuses, then 200. Like a good
    receiver it processes each webhook id once (its idempotency key)."""

    def __init__(self):
        self.requests = []
        self.answers = []
        self.processed = {}

    def post(self, url, *, body, headers, address=None):
        self.requests.append({"url": url, "body": body, "headers": headers, "address": address})
        answer = self.answers.pop(0) if self.answers else 200
        if isinstance(answer, Exception):
            raise answer
        if 200 <= answer < 300:
            self.processed.setdefault(headers["webhook-id"], body)
        return transport.Response(status=answer, text="ok" if answer < 400 else "nope")


@pytest.fixture
def receiver(monkeypatch):
    fake = FakeReceiver()
    monkeypatch.setattr(transport, "post", fake.post)
    return fake


@pytest.fixture
def endpoint(db):
    def make(url="https://hooks.example.com/mlm", events=("order.paid",), **kwargs):
        return webhook_endpoint_save(endpoint=Endpoint(url=url, events=list(events), **kwargs))[0]

    return make


@pytest.fixture
def client():
    return Client(headers={"accept-language": "en"})


@pytest.fixture
def admin_client(client, django_user_model):
    admin = django_user_model.objects.create_superuser(
        email="admin@example.com", password="Sonnenblume-2026!"
    )
    client.force_login(admin)
    return client
