"""Fault: Redis (cache, sessions' cache, Celery broker) is unreachable while a
customer checks out. The order is saved, the customer sees the confirmation
page, and the confirmation mail waits in the outbox for the sweep.

.ci/run runs this module on the production-like settings (PostgreSQL, Redis, a
broker). The fixture points the application's cache, sessions and broker at a port
where nothing listens, in process: for the application that is the same fault as a
stopped Redis, without stopping the Redis other work on the machine shares."""

import pytest
from django.core import mail
from django.test import Client

from orders.models import Order, OrderMail
from tests.factories import PartnerFactory, ProductFactory
from tests.orders.helpers import CHECKOUT_FORM

pytestmark = [pytest.mark.fault, pytest.mark.django_db(transaction=True)]


# Nothing listens here (asserted below).
DEAD_REDIS = "redis://127.0.0.1:6390"


@pytest.fixture(autouse=True)
def redis_is_down(settings, monkeypatch):
    import redis

    from mlm.celery import app

    if not settings.REDIS_URL or settings.CELERY_TASK_ALWAYS_EAGER:
        pytest.fail("run with REDIS_URL and CELERY_BROKER_URL set (a Redis and a broker to lose)")
    with pytest.raises(redis.exceptions.ConnectionError):
        redis.Redis.from_url(DEAD_REDIS, socket_connect_timeout=1).ping()

    settings.REDIS_URL = f"{DEAD_REDIS}/0"
    settings.CACHES = {
        **settings.CACHES,
        "default": {**settings.CACHES["default"], "LOCATION": f"{DEAD_REDIS}/0"},
    }
    broker_url = app.conf.broker_url
    settings.CELERY_BROKER_URL = app.conf.broker_url = f"{DEAD_REDIS}/1"
    # Celery reads the environment variable before its configuration.
    monkeypatch.setenv("CELERY_BROKER_URL", f"{DEAD_REDIS}/1")
    app.close()  # drop the pooled broker connections: the next task connects anew
    with app.connection_for_write() as broker:
        assert broker.as_uri().endswith(":6390/1"), broker.as_uri()
    yield
    app.conf.broker_url = broker_url
    app.close()


def test_checkout_with_redis_down_saves_the_order_and_shows_the_confirmation():
    PartnerFactory(slug="anna")
    product = ProductFactory()
    client = Client(raise_request_exception=False, headers={"accept-language": "en"})
    assert client.get("/anna/").status_code == 200
    assert client.post("/cart/add/", {"product": product.pk}).status_code == 302
    assert client.post("/checkout/", {**CHECKOUT_FORM, "partner_code": "anna"}).status_code == 302
    token = client.session["checkout_token"]
    response = client.post("/checkout/place/", {"checkout_token": token})
    assert response.status_code == 302, response.content.decode()[:500]
    order = Order.objects.get()
    assert response.url == f"/order/{order.number}/"
    page = client.get(response.url)
    assert page.status_code == 200 and order.number in page.content.decode()
    assert order.attributed_partner.slug == "anna"
    # The broker could not take the mail task: the outbox keeps it for the sweep.
    assert mail.outbox == []
    assert OrderMail.objects.get(order=order).sent_at is None
    from orders.tasks import order_confirmations_sweep

    assert order_confirmations_sweep(min_age_seconds=0) == 1
    assert len(mail.outbox) == 1 and order.number in mail.outbox[0].subject
