"""Fault: Redis (cache, sessions' cache, Celery broker) is unreachable while a
customer checks out. The order is saved, the customer sees the confirmation
page, and the confirmation mail waits in the outbox for the sweep.

.ci/run runs this module with REDIS_URL and CELERY_BROKER_URL pointing at a port
where nothing listens: for the application that is the same fault as a stopped
Redis, without stopping the Redis other work on the machine shares."""

import pytest
from django.conf import settings
from django.core import mail
from django.test import Client

from orders.models import Order, OrderMail
from tests.factories import PartnerFactory, ProductFactory
from tests.orders.helpers import CHECKOUT_FORM

pytestmark = [pytest.mark.fault, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def redis_is_down():
    assert settings.REDIS_URL and not settings.CELERY_TASK_ALWAYS_EAGER, (
        "run with REDIS_URL and CELERY_BROKER_URL pointing at a closed port"
    )
    import redis

    for url in (settings.REDIS_URL, settings.CELERY_BROKER_URL):
        with pytest.raises(redis.exceptions.ConnectionError):
            redis.Redis.from_url(url, socket_connect_timeout=1).ping()


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
