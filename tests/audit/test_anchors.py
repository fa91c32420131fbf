"""The ledger's heads outside the database (issue 16, item 3): each checkpoint's head is
timestamped by an RFC 3161 authority — here a real one on a local port, played by
`openssl ts` (simulator/tsa.py) — and written as a file outside the database; audit_verify
walks the chain against those files, so a database superuser who rebuilds the chain and
deletes the checkpoint rows is caught.

The tampering is done as tests/audit/test_verify.py does it: the append-only trigger
switched off, as a database superuser can."""

from __future__ import annotations

import logging
import os

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction

from audit.chain import HASHED_FIELDS, event_hash
from audit.models import AccessEvent, EventType, LedgerCheckpoint
from simulator.tsa import TsaProcess
from tests.audit.helpers import record_events
from tests.audit.test_verify import broken_at, tamper, verify

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def authority(tmp_path_factory):
    tsa = TsaProcess(tmp_path_factory.mktemp("tsa"))
    yield tsa
    tsa.stop()


@pytest.fixture
def anchors(settings, authority, tmp_path):
    """The portal configured with the local authority; its timestamp files in tmp_path."""
    settings.LEDGER_TSA_URL = authority.url
    settings.LEDGER_TSA_CERTIFICATE = authority.certificate
    settings.LEDGER_TSA_ROOTS = authority.roots
    settings.LEDGER_ANCHOR_DIR = tmp_path / "anchors"
    return tmp_path / "anchors"


def checkpoint() -> None:
    call_command("audit_verify", "--checkpoint", stdout=open(os.devnull, "w"))


def rebuild_from(seq: int, **changes: str) -> None:
    """Change event #seq (not the first) and recompute every hash from it on, as a
    superuser would."""
    rows = list(AccessEvent.objects.order_by("seq").values(*HASHED_FIELDS, "hash"))
    rows[seq - 1].update(changes)
    statements, prev = [], rows[seq - 2]["hash"]
    for row in rows[seq - 1 :]:
        row["prev_hash"] = prev
        row["hash"] = event_hash(row)
        prev = row["hash"]
        sets = "".join(f"{name} = '{row[name]}', " for name in changes if row["seq"] == seq)
        statements.append(
            f"UPDATE audit_accessevent SET {sets}prev_hash = '{row['prev_hash']}', "
            f"hash = '{row['hash']}' WHERE seq = {row['seq']}"
        )
    tamper(
        f"UPDATE audit_accessevent SET hash = 'x' || seq, prev_hash = 'y' || seq "
        f"WHERE seq >= {seq}",
        *statements,
    )


def no_files(directory) -> bool:
    return not directory.exists() or not any(directory.iterdir())


def checkpoints_delete() -> None:
    """As a superuser can: the append-only trigger off, every checkpoint row gone."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("ALTER TABLE audit_ledgercheckpoint DISABLE TRIGGER USER")
        cursor.execute("DELETE FROM audit_ledgercheckpoint")
        cursor.execute("ALTER TABLE audit_ledgercheckpoint ENABLE TRIGGER USER")
    assert not LedgerCheckpoint.objects.exists()


def test_a_checkpoint_is_timestamped_and_kept_outside_the_database(anchors):
    record_events(3)
    checkpoint()
    head = AccessEvent.objects.get(seq=3)
    (path,) = anchors.iterdir()
    assert path.name == f"{3:012d}-{head.hash}.tsr"
    stored = LedgerCheckpoint.objects.get()
    assert (stored.seq, stored.hash) == (3, head.hash)
    assert bytes(stored.timestamp_token) == path.read_bytes()
    verified = AccessEvent.objects.get(event_type=EventType.LEDGER_VERIFIED)
    assert verified.detail == {"checked": 3, "head_seq": 3, "timestamped": True}
    assert "1 timestamped heads outside the database agree" in verify()


def test_a_rebuilt_chain_without_its_checkpoints_passes_without_timestamps(settings, tmp_path):
    """The hole this closes: without an authority, rebuilding the chain and deleting the
    checkpoints leaves nothing that shows it."""
    settings.LEDGER_ANCHOR_DIR = tmp_path / "anchors"
    record_events(4)
    checkpoint()
    rebuild_from(2, user_name="Mallory")
    checkpoints_delete()
    assert "Ledger intact: 5 events" in verify()  # 4 + the verification's own event


def test_a_rebuilt_chain_without_its_checkpoints_is_caught_by_the_timestamps(anchors):
    record_events(4)
    checkpoint()  # head #4 timestamped; the verification's own event is #5
    record_events(2)
    rebuild_from(2, user_name="Mallory")
    checkpoints_delete()
    message, code = broken_at()
    assert code == 1
    assert "event #4" in message
    assert "hash differs from the head timestamped at" in message
    assert f"{4:012d}-" in message  # names the file that proves it


def test_a_chain_cut_off_before_a_timestamped_head_is_caught(anchors):
    record_events(5)
    checkpoint()  # head #5 timestamped
    tamper("DELETE FROM audit_accessevent WHERE seq >= 4")
    checkpoints_delete()
    message, _ = broken_at()
    assert "the chain ends at #3 but a head timestamped at" in message
    assert "names #5: events #4..#5 were removed" in message


def test_a_timestamp_file_that_proves_nothing_is_reported(anchors, tmp_path):
    record_events(3)
    checkpoint()
    (real,) = anchors.iterdir()
    # The same authority's answer under the name of another head; a file not of ours.
    (anchors / f"{3:012d}-{'0' * 64}.tsr").write_bytes(real.read_bytes())
    (anchors / "notes.txt").write_text("hello")
    message, code = broken_at()
    assert code == 1
    assert f"{3:012d}-{'0' * 64}.tsr: the timestamp does not prove this head" in message
    assert "notes.txt: not a ledger timestamp file" in message
    assert real.name not in message


def test_another_authoritys_timestamp_is_refused(anchors, settings, tmp_path):
    record_events(2)
    other = TsaProcess(tmp_path / "other-tsa")
    try:
        settings.LEDGER_TSA_URL = other.url  # answers, but is not the configured authority
        checkpoint()
    finally:
        other.stop()
    assert no_files(anchors)
    assert LedgerCheckpoint.objects.get().timestamp_token is None


def test_an_authority_that_does_not_answer_leaves_a_checkpoint_without_timestamp(
    anchors, settings, caplog
):
    settings.LEDGER_TSA_URL = "http://127.0.0.1:9/"  # the discard port: nobody answers
    record_events(2)
    with caplog.at_level(logging.ERROR, logger="audit.verification"):
        checkpoint()
    stored = LedgerCheckpoint.objects.get()
    assert stored.seq == 2 and stored.timestamp_token is None
    assert no_files(anchors)
    verified = AccessEvent.objects.get(event_type=EventType.LEDGER_VERIFIED)
    assert verified.detail["timestamped"] is False
    assert any(r.getMessage() == "ledger head not timestamped" for r in caplog.records)


def test_the_verification_refuses_to_anchor_a_broken_chain(anchors):
    record_events(3)
    tamper("UPDATE audit_accessevent SET user_name = 'Mallory' WHERE seq = 2")
    with pytest.raises(CommandError):
        checkpoint()
    assert no_files(anchors)
