"""One writer at a time for a patient's summary: the store and the purge lock the patient.

Without it, a refusal registered while a page with that patient is being stored could
leave the summary behind for good: the store read the registry before the refusal was
committed, and the purge deleted before the stored row was committed. With the lock the
later of the two waits for the earlier to commit and then sees what it did (in READ
COMMITTED each statement reads a fresh snapshot): either the store reads the refusal and
leaves the patient out, or the purge finds the stored summary and deletes it.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection

# Advisory locks with two int4 keys: this space, and the BSN as a number (9 digits fit).
# The ledger's lock is a one-key (bigint) advisory lock, a space of its own.
PATIENT_LOCK_SPACE = 7_513_0002
LOCK = "SELECT count(pg_advisory_xact_lock(%s, key)) FROM unnest(%s::int[]) AS key"


def patients_lock(bsns: Iterable[str]) -> None:
    """Hold these patients' locks until the transaction ends; taken in one order, so two
    batches that share patients cannot deadlock. SQLite has one writer at a time anyway."""
    if connection.vendor != "postgresql":
        return
    if not connection.in_atomic_block:
        raise RuntimeError("patients_lock holds its locks until commit: call it in a transaction")
    keys = sorted({int(bsn) for bsn in bsns})  # valid BSNs: nine ASCII digits
    with connection.cursor() as cursor:
        cursor.execute(LOCK, [PATIENT_LOCK_SPACE, keys])
