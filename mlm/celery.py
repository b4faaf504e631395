import os
import time

from celery import Celery
from celery.signals import before_task_publish

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mlm.settings")

app = Celery("mlm")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Heartbeats for /healthz (mlm/health.py). The beat sends "mlm.heartbeat" every
# HEALTH_HEARTBEAT_SECONDS and stamps the cache as it does; the worker that runs it
# stamps again. A dead beat leaves the first stamp to age.
HEARTBEAT = "mlm.heartbeat"
BEAT_STAMP = "health:beat"
WORKER_STAMP = "health:worker"


def _stamp(key: str) -> None:
    from django.core.cache import cache

    cache.set(key, time.time(), 24 * 60 * 60)


@before_task_publish.connect
def _beat_stamps_heartbeat(sender=None, **kwargs):
    if sender == HEARTBEAT:
        _stamp(BEAT_STAMP)


@app.task(name=HEARTBEAT, ignore_result=True)
def heartbeat() -> None:
    _stamp(WORKER_STAMP)
