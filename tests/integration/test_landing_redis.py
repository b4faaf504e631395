"""Landing pages against the real Redis: visits counted there survive the worker
and reach the database through the beat task; the page cache is shared."""

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from landing.models import LandingVisitDay
from landing.services import REDIS_VISITS_PREFIX, _redis, landing_visits_flush
from landing.tasks import flush_landing_visits
from tests.factories import PartnerFactory

# The worker must be idle before the database is flushed after each test (a task
# holding locks would make the flush deadlock).
pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("worker_drained"),
]


@pytest.fixture
def redis():
    if not settings.REDIS_URL:
        pytest.skip("needs REDIS_URL")
    connection = _redis()
    for key in connection.scan_iter(match="mlm:landing:visits*"):
        connection.delete(key)
    yield connection
    for key in connection.scan_iter(match="mlm:landing:visits*"):
        connection.delete(key)


def test_visits_wait_in_redis_and_the_flush_writes_each_once(redis):
    anna = PartnerFactory(slug="anna-redis")
    for _ in range(3):
        visitor = Client()
        visitor.get("/anna-redis/")
        assert visitor.get("/anna-redis/me/?next=/anna-redis/").status_code == 200
    day = timezone.localdate()
    assert not LandingVisitDay.objects.exists()  # nothing written per visit
    assert int(redis.hget(f"{REDIS_VISITS_PREFIX}{day.isoformat()}", str(anna.pk))) == 3

    assert flush_landing_visits() == 3
    assert landing_visits_flush() == 0  # nothing counted twice
    assert LandingVisitDay.objects.get(partner=anna, day=day).visits == 3


def test_a_flush_that_died_after_renaming_is_picked_up_by_the_next(redis):
    anna = PartnerFactory(slug="anna-redis2")
    day = timezone.localdate().isoformat()
    redis.hset(f"mlm:landing:visits-flushing:{day}:deadbeef", str(anna.pk), 2)
    assert landing_visits_flush() == 2
    assert LandingVisitDay.objects.get(partner=anna).visits == 2


@pytest.fixture
def redis_links(redis):
    for key in redis.scan_iter(match="mlm:landing:links*"):
        redis.delete(key)
    yield redis
    for key in redis.scan_iter(match="mlm:landing:links*"):
        redis.delete(key)


def test_campaign_and_product_visits_wait_in_redis_and_are_flushed_once(redis_links):
    from landing.models import LinkVisitDay
    from tests.factories import ProductFactory

    anna = PartnerFactory(slug="anna-links")
    soap = ProductFactory(name="Seife")
    for _ in range(2):
        visitor = Client()
        assert visitor.get("/anna-links/me/?next=/anna-links/%3Fc%3Dstory").status_code == 200
        assert visitor.get(f"/anna-links/me/?p={soap.pk}&next=/x/%3Fc%3Dstory").status_code == 200
    assert not LinkVisitDay.objects.exists()  # nothing written per visit

    flush_landing_visits()
    landing_visits_flush()  # nothing counted twice

    rows = {(r.campaign, r.product_id): r.visits for r in LinkVisitDay.objects.filter(partner=anna)}
    assert rows == {("story", 0): 2, ("story", soap.pk): 2}
    assert LandingVisitDay.objects.get(partner=anna).visits == 4
