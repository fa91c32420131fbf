"""Stores and purges of summaries take turns: a refusal's purge never misses a store.

Without it, a refusal registered while a page with that patient was being stored could
leave the summary behind for good: the store read the registry before the refusal was
committed, and the purge deleted before the stored row was committed.

One PostgreSQL advisory lock, held until commit: each store takes it shared (stores run
side by side), each purge takes it exclusive. So a purge waits for the stores under way
and then sees what they stored, and a store that starts during a purge waits for it and
then reads the refusal (in READ COMMITTED each statement reads a fresh snapshot). Purges
are rare and short; a store waits at most for one. One lock per transaction, whatever
the size of the page.
"""

from __future__ import annotations

from django.db import connection

# The ledger's lock is 7_513_0001 (audit.services.LEDGER_LOCK_KEY).
STORE_LOCK_KEY = 7_513_0002


def _lock(function: str) -> None:
    if connection.vendor != "postgresql":
        return  # SQLite (the embedded default) has one writer at a time anyway
    if not connection.in_atomic_block:
        raise RuntimeError("the store lock is held until commit: take it in a transaction")
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {function}(%s)", [STORE_LOCK_KEY])


def store_lock_shared() -> None:
    """For a store: taken before the registry is read."""
    _lock("pg_advisory_xact_lock_shared")


def store_lock_exclusive() -> None:
    """For a purge: taken before the summary is deleted."""
    _lock("pg_advisory_xact_lock")
