"""Waiting, in a test, until another connection queues for a lock (to play a race in order)."""

import time

from django.db import connection


def until_the_store_lock_is_waited_for(timeout: float = 10.0) -> bool:
    """True once another connection waits for the store lock; False when nobody does."""
    from summaries.services.store_lock import STORE_LOCK_KEY

    deadline = time.monotonic() + timeout
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
                " AND (classid::bigint << 32) + objid::bigint = %s AND objsubid = 1",
                [STORE_LOCK_KEY],
            )
            if cursor.fetchone()[0]:
                return True
            time.sleep(0.02)
    return False
