"""Running a piece of a race in a thread of its own, with its own database
connection (closed when it ends, so the test database can be flushed)."""

import threading

from django.db import connection


def in_thread(target):
    """Start `target` in a thread: returns the thread and the list its
    exception lands in (empty when it succeeded)."""
    errors = []

    def run():
        try:
            target()
        except Exception as exc:  # noqa: BLE001 - reported by the test
            errors.append(exc)
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread, errors
