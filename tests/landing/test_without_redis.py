"""Redis gone (stopped, unreachable): the public pages, the visitor request, the
cart and the checkout go on from the database; health says degraded."""

import pytest
from django.core.cache import caches
from django.test import Client
from django.utils import timezone

from landing.models import LandingVisitDay
from orders.models import Order
from tests.orders.helpers import checkout

from .conftest import add_to_cart_from

pytestmark = pytest.mark.django_db

NOWHERE = "redis://127.0.0.1:1/0"  # nothing listens on port 1: connection refused


@pytest.fixture
def redis_gone(settings):
    settings.REDIS_URL = NOWHERE
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
    settings.CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": NOWHERE,
            "OPTIONS": {"IGNORE_EXCEPTIONS": True, "SOCKET_CONNECT_TIMEOUT": 0.2},
        },
        "landing_local": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    }
    yield
    caches["landing_local"].clear()


def test_pages_cart_and_checkout_work_and_visits_are_counted_in_the_database(
    redis_gone, anna, soap
):
    visitor = Client()
    assert "Anna Albers" in visitor.get("/anna/").content.decode()
    assert visitor.get("/shop/?ref=anna").status_code == 200
    add_to_cart_from(visitor, "/anna/", soap)
    order = checkout(visitor, soap)
    assert (order.attributed_partner, order.attribution) == (anna, Order.Attribution.LANDING)
    assert LandingVisitDay.objects.get(partner=anna, day=timezone.localdate()).visits == 1


def test_health_says_degraded_while_redis_is_gone(redis_gone, client):
    response = client.get("/healthz")
    assert response.status_code == 503 and response.json()["status"] == "degraded"
    assert client.get("/healthz/live").status_code == 200
