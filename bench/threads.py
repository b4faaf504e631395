"""Timed parallel work for the benches: one thread (and database connection) per
chunk, as web workers would; the clock starts when every thread is ready."""

import threading
import time


def timed_threads(work, chunks: list[list]) -> float:
    """Seconds until every thread has called `work(item)` for each item of its chunk;
    the first failures are raised after all threads ended."""
    from django.db import connections

    barrier = threading.Barrier(len(chunks) + 1)
    failures = []

    def run(chunk):
        try:
            barrier.wait()
            for item in chunk:
                work(item)
        except Exception as exc:  # noqa: BLE001 - reported below
            failures.append(exc)
        finally:
            connections.close_all()

    pool = [threading.Thread(target=run, args=(chunk,)) for chunk in chunks]
    for thread in pool:
        thread.start()
    barrier.wait()
    started = time.perf_counter()
    for thread in pool:
        thread.join()
    seconds = time.perf_counter() - started
    assert not failures, failures[:3]
    return seconds
