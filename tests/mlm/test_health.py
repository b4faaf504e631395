"""/healthz in production: broker, worker (ping) and beat (heartbeat) are reported,
and anything missing makes it "degraded" (503) while the site serves on."""

import time
from contextlib import contextmanager

import pytest
from django.core.cache import cache

from mlm import celery as mlm_celery
from mlm.celery import BEAT_STAMP, HEARTBEAT, WORKER_STAMP

pytestmark = pytest.mark.django_db


class FakeConnection:
    def __init__(self, up):
        self.up = up

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def ensure_connection(self, **kwargs):
        if not self.up:
            raise ConnectionRefusedError("broker down")


@pytest.fixture
def production_tasks(settings, monkeypatch):
    """Tasks on a worker: a broker that is up and a worker that answers, unless told."""
    settings.CELERY_TASK_ALWAYS_EAGER = False
    cache.clear()
    state = {"broker": True, "worker": True}
    monkeypatch.setattr(
        mlm_celery.app, "connection_for_write", lambda: FakeConnection(state["broker"])
    )
    monkeypatch.setattr(
        mlm_celery.app.control,
        "ping",
        lambda **kwargs: [{"celery@web1": {"ok": "pong"}}] if state["worker"] else [],
    )
    yield state
    cache.clear()


@contextmanager
def beat_seen(seconds_ago):
    cache.set(BEAT_STAMP, time.time() - seconds_ago)
    yield


def test_all_there_is_ok(client, production_tasks):
    with beat_seen(10):
        response = client.get("/healthz")
    body = response.json()
    assert response.status_code == 200, body
    assert (body["broker"], body["worker"], body["beat"], body["status"]) == (
        "ok",
        "ok",
        "ok",
        "ok",
    )
    assert body["beat_seen_seconds_ago"] == 10


def test_a_stopped_worker_makes_it_degraded(client, production_tasks):
    production_tasks["worker"] = False
    with beat_seen(10):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["worker"] == "missing" and response.json()["status"] == "degraded"
    assert client.get("/healthz/live").status_code == 200


def test_a_beat_not_seen_for_minutes_makes_it_degraded(client, production_tasks, settings):
    with beat_seen(settings.HEALTH_BEAT_MAX_AGE + 5):
        response = client.get("/healthz")
    assert response.status_code == 503 and response.json()["beat"] == "missing"
    cache.delete(BEAT_STAMP)
    assert client.get("/healthz").json()["beat"] == "missing"  # never seen


def test_a_broker_that_is_gone_makes_it_degraded(client, production_tasks):
    production_tasks["broker"] = False
    with beat_seen(10):
        body = client.get("/healthz").json()
    assert (body["broker"], body["worker"], body["status"]) == ("error", "unknown", "degraded")


def test_the_beat_stamps_when_it_sends_the_heartbeat_and_the_worker_when_it_runs_it():
    cache.clear()
    mlm_celery._beat_stamps_heartbeat(sender="qualification.tasks.sweep_pending_volume")
    assert cache.get(BEAT_STAMP) is None
    mlm_celery._beat_stamps_heartbeat(sender=HEARTBEAT)
    assert time.time() - cache.get(BEAT_STAMP) < 5
    mlm_celery.heartbeat.run()
    assert time.time() - cache.get(WORKER_STAMP) < 5


def test_the_heartbeat_is_in_the_beat_schedule(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["health-heartbeat"]
    assert entry["task"] == HEARTBEAT and entry["schedule"] <= settings.HEALTH_BEAT_MAX_AGE / 3
