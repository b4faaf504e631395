"""Absolute links: SITE_URL when set, else the address the request came to
(else, without a request, the local server on PORT)."""

import pytest
from django.test import RequestFactory

from partners.links import absolute_url, site_url
from tests.dashboard.conftest import client_for
from tests.factories import ProductFactory


def test_site_url_setting_wins(settings):
    settings.SITE_URL = "https://shop.example"
    request = RequestFactory().get("/", HTTP_HOST="testserver")
    assert site_url(request) == "https://shop.example"
    assert absolute_url("/anna/", request) == "https://shop.example/anna/"


def test_without_site_url_the_request_address_counts(settings):
    settings.SITE_URL = ""
    settings.ALLOWED_HOSTS = ["192.168.1.20"]
    request = RequestFactory().get("/", HTTP_HOST="192.168.1.20:8080", secure=True)
    assert absolute_url("/anna/", request) == "https://192.168.1.20:8080/anna/"


def test_without_a_request_the_local_server_on_its_port(settings):
    settings.SITE_URL = ""
    settings.SITE_URL_FALLBACK = "http://127.0.0.1:8123"
    assert site_url() == "http://127.0.0.1:8123"
    assert absolute_url("https://elsewhere.example/x") == "https://elsewhere.example/x"


@pytest.mark.django_db
def test_dashboard_copy_fields_follow_the_request_address(settings, partner):
    settings.SITE_URL = ""
    settings.ALLOWED_HOSTS = ["laptop.local"]
    soap = ProductFactory(name="Seife")
    html = client_for(partner).get("/dashboard/", HTTP_HOST="laptop.local:9000").content.decode()
    assert ">http://laptop.local:9000/anna/</textarea>" in html
    links = client_for(partner).get("/dashboard/links/", HTTP_HOST="laptop.local:9000")
    assert f'value="http://laptop.local:9000/anna/p/{soap.pk}-seife/"' in links.content.decode()


def test_make_run_takes_a_port():
    from pathlib import Path

    makefile = (Path(__file__).resolve().parents[2] / "Makefile").read_text()
    assert "PORT ?= 8000" in makefile
    assert "runserver 127.0.0.1:$(PORT)" in makefile
