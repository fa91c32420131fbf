"""Many events in one append (audit.services.access_events_batched): the same chain as one
at a time, verified by the same walk as `audit_verify`."""

import datetime as dt
import threading
import uuid

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction

from audit.chain import GENESIS_HASH, HASHED_FIELDS, event_hash
from audit.models import AccessEvent, Action, EventType
from audit.services import access_event_record, access_events_batched
from audit.verification import ledger_verify
from tests.audit.helpers import NURSE, VALID_BSNS, record_events


def record_batched(count: int, *, start: int = 0) -> list[AccessEvent]:
    with transaction.atomic(), access_events_batched():
        return record_events(count) if start == 0 else _numbered(count, start)


def _numbered(count: int, start: int) -> list[AccessEvent]:
    return [
        access_event_record(
            event_type=EventType.CONSENT_REGISTRATION,
            action=Action.CREATE,
            actor=NURSE,
            patient_bsn=VALID_BSNS[i % len(VALID_BSNS)],
            detail={"n": start + i, "text": "é ü ß 你好", "nested": {"b": [1, True, None]}},
        )
        for i in range(count)
    ]


@pytest.mark.django_db
def test_a_bulk_append_between_single_appends_keeps_the_chain_intact():
    record_events(3)
    batch = record_batched(250, start=3)
    record_events(2)

    assert [event.seq for event in batch] == list(range(4, 254))
    assert all(event.pk is not None for event in batch)
    seqs = list(AccessEvent.objects.values_list("seq", flat=True))
    assert seqs == list(range(1, 256))
    result = ledger_verify()
    assert result.intact, result.first_break
    assert result.checked == 255
    # The single append after the batch linked to the batch's last event.
    after = AccessEvent.objects.get(seq=254)
    assert after.prev_hash == AccessEvent.objects.get(seq=253).hash


@pytest.mark.django_db
def test_a_bulk_append_on_an_empty_ledger_starts_at_the_genesis_hash():
    batch = record_batched(5)
    first = AccessEvent.objects.get(seq=1)
    assert first.prev_hash == GENESIS_HASH
    assert first.pk == batch[0].pk
    # What the database gives back hashes to what was computed before it was written.
    for stored in AccessEvent.objects.values(*HASHED_FIELDS, "hash"):
        assert event_hash(stored) == stored["hash"]
    assert ledger_verify().intact


@pytest.mark.django_db
def test_an_invalid_event_in_a_batch_writes_none_of_it():
    record_events(1)
    with pytest.raises(ValidationError), transaction.atomic(), access_events_batched():
        record_events(3)
        access_event_record(
            event_type=EventType.SUMMARY_VIEW,
            action=Action.READ,
            actor=NURSE,
            patient_bsn="123456789",  # fails the 11-test
        )
    assert AccessEvent.objects.count() == 1


@pytest.mark.django_db
def test_events_are_not_written_until_the_block_ends_and_a_failing_block_writes_none():
    with pytest.raises(RuntimeError, match="stop"), transaction.atomic():
        with access_events_batched():
            record_events(4)
            assert AccessEvent.objects.count() == 0  # pending, not yet written
            raise RuntimeError("stop")
    assert AccessEvent.objects.count() == 0


@pytest.mark.django_db
def test_a_batch_inside_a_batch_is_written_once_by_the_outer_block():
    with transaction.atomic(), access_events_batched() as outer:
        record_events(2)
        with access_events_batched() as inner:
            record_events(3)
        assert inner is outer
        assert AccessEvent.objects.count() == 0
    assert AccessEvent.objects.count() == 5
    assert ledger_verify().intact


def test_a_batch_outside_a_transaction_is_refused():
    with pytest.raises(RuntimeError, match="inside a transaction"), access_events_batched():
        pass


@pytest.mark.django_db(transaction=True)
def test_bulk_and_single_writers_at_once_produce_one_unbroken_chain():
    errors: list[BaseException] = []
    start = threading.Barrier(4)

    def bulk_writer() -> None:
        try:
            start.wait()
            for _ in range(5):
                record_batched(40, start=1)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    def single_writer() -> None:
        try:
            start.wait()
            for _ in range(30):
                with transaction.atomic():
                    record_events(1)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=bulk_writer) for _ in range(2)]
    threads += [threading.Thread(target=single_writer) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    total = 2 * 5 * 40 + 2 * 30
    assert list(AccessEvent.objects.values_list("seq", flat=True)) == list(range(1, total + 1))
    result = ledger_verify()
    assert result.intact, result.first_break


@pytest.mark.django_db
def test_a_batched_event_holds_what_the_one_by_one_event_holds():
    """The batched path builds its events without the model's __init__ and hashes them with
    orjson (audit.services._pending_event, _link): the stored rows must be those of the
    one-by-one path, field for field, but for the event's own id, place and hash."""
    kwargs = {
        "event_type": EventType.CONSENT_REGISTRATION,
        "action": Action.CREATE,
        "actor": NURSE,
        "patient_bsn": VALID_BSNS[0],
        "occurred_at": dt.datetime(2026, 12, 5, 9, 30, 1, 234567, tzinfo=dt.UTC),
        "detail": {"text": "é \n\t \x01 \u2028 😀", "list": [1, None, True], "z": {"a": -1}},
    }
    with transaction.atomic():
        single = access_event_record(**kwargs)
    with transaction.atomic(), access_events_batched():
        batched = access_event_record(**kwargs)
    own = {"id", "event_id", "seq", "prev_hash", "hash"}

    def stored(pk):
        row = AccessEvent.objects.filter(pk=pk).values().get()
        return {k: v for k, v in row.items() if k not in own}

    assert stored(batched.pk) == stored(single.pk)
    assert batched.event_id.version == 4 and batched.event_id != single.event_id
    result = ledger_verify()
    assert result.intact and result.checked == 2


@pytest.mark.django_db
def test_a_batched_event_json_cannot_write_alike_is_hashed_the_slow_way():
    """An integer beyond 64 bits (orjson refuses it) and an enum member (not a plain type)
    make _link fall back to audit.chain.event_hash: the chain still verifies."""
    with transaction.atomic(), access_events_batched():
        access_event_record(
            event_type=EventType.CONSENT_REGISTRATION,
            action=Action.CREATE,
            actor=NURSE,
            consent_policy=EventType.CONSENT_REGISTRATION,  # a str enum member as text
            detail={"big": 2**70},
        )
        record_events(2)
    stored = AccessEvent.objects.order_by("seq").values(*HASHED_FIELDS, "hash")
    assert [event_hash(row) == row["hash"] for row in stored] == [True] * 3
    assert stored[0]["detail"] == {"big": 2**70}
    assert ledger_verify().intact


@pytest.mark.django_db
def test_a_bsn_the_batch_did_not_vouch_for_is_checked():
    """access_events_batched(valid_bsns=...) skips the 11-test only for those BSNs."""
    with pytest.raises(ValidationError), transaction.atomic():
        with access_events_batched(valid_bsns=[VALID_BSNS[0]]):
            record_events(1)
            access_event_record(
                event_type=EventType.SUMMARY_VIEW,
                action=Action.READ,
                actor=NURSE,
                patient_bsn="123456789",
            )
    assert AccessEvent.objects.count() == 0


def test_event_ids_are_random_version_4_uuids_and_distinct():
    from audit.services import _event_ids

    made = [_event_ids.next() for _ in range(1000)]
    assert len(set(made)) == 1000
    assert {u.version for u in made} == {4} and {u.variant for u in made} == {uuid.RFC_4122}
