"""Playing a race in order, in a test: work in another thread, and waiting until another
connection queues for an advisory lock."""

import threading
import time

from django.db import connection, connections


def until_a_lock_is_waited_for(key: int, timeout: float = 10.0) -> bool:
    """True once another connection waits for the one-key advisory lock `key`; False when
    nobody does within the timeout."""
    deadline = time.monotonic() + timeout
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
                " AND (classid::bigint << 32) + objid::bigint = %s AND objsubid = 1",
                [key],
            )
            if cursor.fetchone()[0]:
                return True
            time.sleep(0.02)
    return False


def until_the_store_lock_is_waited_for(timeout: float = 10.0) -> bool:
    from summaries.services.store_lock import STORE_LOCK_KEY

    return until_a_lock_is_waited_for(STORE_LOCK_KEY, timeout)


def in_a_thread(work) -> tuple[threading.Thread, dict]:
    """Run work() in a thread with its own database connection; the dict gets its
    "result", or the "error" it raised (reported by the test, not lost in the thread)."""
    done: dict = {}

    def run():
        try:
            done["result"] = work()
        except Exception as exc:
            done["error"] = exc
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    return thread, done
