"""Links in e-mails are opened outside the site: they must be absolute, also
when SITE_URL is not set (then they use the local server's address)."""

import pytest

from notifications.emails import _links
from subscriptions.links import cancel_url, manage_url


@pytest.fixture
def no_site_url(settings):
    settings.SITE_URL = ""
    settings.SITE_URL_FALLBACK = "http://127.0.0.1:8123"


def test_subscription_links_in_mails_are_absolute(no_site_url):
    class Subscription:
        number, token = "ABO-1", "secret"

    assert manage_url(Subscription()).startswith("http://127.0.0.1:8123/abo/m/")
    assert cancel_url() == "http://127.0.0.1:8123/abo/kuendigen/"


def test_notification_mail_links_are_absolute(no_site_url, settings):
    settings.SITE_URL = "https://shop.example.com"
    assert _links()["list_url"] == "https://shop.example.com/dashboard/notifications/"
    settings.SITE_URL = ""
    assert _links()["list_url"].startswith("http://127.0.0.1:8123/")
