"""The Celery worker that .ci/run starts, seen from a test: is it idle?"""


def worker_idle() -> bool:
    """Nothing queued, reserved or running. The queues are read first: a task taken
    from them after that shows as reserved in the worker's reply."""
    import redis
    from django.conf import settings

    from mlm.celery import app

    broker = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    if any(broker.llen(queue.name) for queue in settings.CELERY_TASK_QUEUES):
        return False
    # .ci/run starts one worker: its reply ends the wait (without a limit, every call
    # waits its full second, 4 to 5 s after every integration test).
    inspect = app.control.inspect(timeout=1, limit=1)
    busy = [
        task
        for replies in ((inspect.active() or {}), (inspect.reserved() or {}))
        for tasks in replies.values()
        for task in tasks
    ]
    return not busy
