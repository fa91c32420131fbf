"""Concurrent writers cannot fork the chain (PostgreSQL, real connections)."""

import threading

import pytest
from django.db import connection, transaction

from audit.models import AccessEvent
from audit.verification import ledger_verify
from tests.audit.helpers import record_events

WRITERS = 8
EVENTS_EACH = 25


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_produce_one_unbroken_chain():
    errors: list[BaseException] = []
    start = threading.Barrier(WRITERS)

    def writer() -> None:
        try:
            start.wait()
            for _ in range(EVENTS_EACH):
                # Each event in its own transaction, like separate requests.
                with transaction.atomic():
                    record_events(1)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=writer) for _ in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    total = WRITERS * EVENTS_EACH
    assert list(AccessEvent.objects.values_list("seq", flat=True)) == list(range(1, total + 1))
    result = ledger_verify()
    assert result.intact, result.first_break
    assert result.checked == total
