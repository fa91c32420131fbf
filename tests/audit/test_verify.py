"""audit_verify finds an edited, a removed, a swapped and a cut-off event.

The tampering is done as a database superuser would: by switching off the
append-only trigger first.
"""

import os
import subprocess
import sys

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction

from audit.chain import HASHED_FIELDS, event_hash
from audit.models import AccessEvent, Action, EventType, LedgerCheckpoint
from audit.services import access_event_record
from audit.verification import COMPUTED, _rows_postgresql, ledger_verify
from tests.audit.helpers import NURSE, record_events
from tests.processes import test_database_url

pytestmark = pytest.mark.django_db


def tamper(*statements: str) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("ALTER TABLE audit_accessevent DISABLE TRIGGER USER")
        for sql in statements:
            cursor.execute(sql)
        cursor.execute("ALTER TABLE audit_accessevent ENABLE TRIGGER USER")


def verify() -> str:
    """Run audit_verify; return its output, or raise its CommandError."""
    from io import StringIO

    out = StringIO()
    call_command("audit_verify", stdout=out, stderr=StringIO())
    return out.getvalue()


def broken_at() -> tuple[str, int]:
    with pytest.raises(CommandError) as excinfo:
        verify()
    return str(excinfo.value), excinfo.value.returncode


def test_audit_verify_passes_an_intact_chain():
    events = record_events(5)
    output = verify()
    assert "Ledger intact: 5 events, head #5" in output
    assert events[-1].hash[:16] in output


def test_audit_verify_passes_an_empty_ledger():
    assert "Ledger intact: 0 events" in verify()


def test_audit_verify_names_an_edited_event():
    events = record_events(5)
    tamper("UPDATE audit_accessevent SET patient_bsn = '123456782' WHERE seq = 3")
    message, returncode = broken_at()
    assert returncode == 1
    assert f"event #3 ({events[2].event_id})" in message
    assert "content does not match its hash" in message
    assert "the last intact event is #2" in message


def test_audit_verify_names_the_gap_left_by_a_deleted_event():
    record_events(5)
    tamper("DELETE FROM audit_accessevent WHERE seq = 3")
    message, returncode = broken_at()
    assert returncode == 1
    assert "event #4" in message
    assert "expected event #3, found #4" in message


def test_audit_verify_finds_two_swapped_events():
    events = record_events(5)
    tamper(
        "UPDATE audit_accessevent SET seq = -2 WHERE seq = 2",
        "UPDATE audit_accessevent SET seq = 2 WHERE seq = 3",
        "UPDATE audit_accessevent SET seq = 3 WHERE seq = -2",
    )
    message, returncode = broken_at()
    assert returncode == 1
    # Event #3 now sits at position 2: its prev_hash is not #1's hash.
    assert f"event #2 ({events[2].event_id})" in message
    assert "prev_hash is not the hash of the event before it" in message


def test_audit_verify_finds_the_newest_events_cut_off_after_a_checkpoint():
    record_events(5)
    call_command("audit_verify", "--checkpoint", stdout=open(os.devnull, "w"))
    assert LedgerCheckpoint.objects.get().seq == 5  # then #6 says "ledger verified"
    tamper("DELETE FROM audit_accessevent WHERE seq >= 4")
    message, returncode = broken_at()
    assert returncode == 1
    assert "the chain ends at #3 but a checkpoint saw #5" in message


def test_audit_verify_finds_a_chain_rebuilt_after_a_checkpoint():
    """Someone edits #2 and recomputes every hash after it: only the anchor shows it."""
    record_events(3)
    call_command("audit_verify", "--checkpoint", stdout=open(os.devnull, "w"))
    rows = list(AccessEvent.objects.order_by("seq").values(*HASHED_FIELDS, "hash"))
    rows[1]["user_name"] = "Mallory"
    statements = []
    prev = rows[0]["hash"]
    for row in rows[1:]:
        row["prev_hash"] = prev
        row["hash"] = event_hash(row)
        prev = row["hash"]
        statements.append(
            f"UPDATE audit_accessevent SET user_name = '{row['user_name']}', "
            f"prev_hash = '{row['prev_hash']}', hash = '{row['hash']}' WHERE seq = {row['seq']}"
        )
    # Unique hashes: park the old values first so the swap does not collide.
    tamper(
        "UPDATE audit_accessevent SET hash = 'x' || seq, prev_hash = 'y' || seq WHERE seq >= 2",
        *statements,
    )
    message, _ = broken_at()
    # Each event is consistent with its rebuilt predecessor; the first one
    # whose hash an earlier checkpoint remembers gives the rewrite away.
    assert "event #3" in message
    assert "differs from an earlier checkpoint" in message


@pytest.mark.django_db(transaction=True)
def test_audit_verify_command_exit_codes_from_the_shell():
    """The real command line: exit 0 when intact, 1 with the event named when not."""
    events = record_events(3)
    env = {
        **os.environ,
        "DATABASE_URL": test_database_url(),
        "DJANGO_SETTINGS_MODULE": "portal.settings",
    }
    command = [sys.executable, "manage.py", "audit_verify"]
    intact = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    assert intact.returncode == 0, intact.stderr
    assert "Ledger intact: 3 events" in intact.stdout

    tamper("UPDATE audit_accessevent SET user_name = 'Mallory' WHERE seq = 2")
    broken = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    assert broken.returncode == 1
    assert f"Ledger BROKEN at event #2 ({events[1].event_id})" in broken.stderr
    assert "Traceback" not in broken.stderr


def test_the_fast_read_of_the_ledger_hashes_as_the_orm_read():
    """audit.verification reads rows by hand (times and ids as text, the detail parsed) and
    hashes them with orjson: the same hashes as the ORM's rows through event_hash, for
    details of every kind — text beyond ASCII, nesting, an integer beyond 64 bits (orjson
    gives up: the fallback), empty."""

    details = [
        {},
        {"naam": "Zoë Ærø — 🚑", "line": "a\u2028b", "nested": {"z": [1, {"b": None, "a": True}]}},
        {"big": 2**70, "negative": -(2**63)},
        {"list": [], "quote": '"\\'},
        {"looks like numbers": "v1.2 at 10e3, 1234567890123456789012"},
        {"max": 2**63 - 1, "min": -(2**63) + 1},
    ]
    for detail in details:
        access_event_record(
            event_type=EventType.ADMIN_READ, action=Action.READ, actor=NURSE, detail=detail
        )
    orm_rows = list(AccessEvent.objects.order_by("seq").values(*HASHED_FIELDS, "hash"))
    fast_rows = list(_rows_postgresql(chunk_size=2))
    assert len(fast_rows) == len(orm_rows) == len(details)
    for fast, orm in zip(fast_rows, orm_rows, strict=True):
        assert fast["detail"] == orm["detail"]
        assert fast[COMPUTED] == event_hash(orm) == orm["hash"] == fast["hash"]


def test_a_break_found_early_stops_the_fetching_in_small_chunks():
    """The verification fetches the next rows while it hashes these (a thread): a break in
    the first chunk ends it cleanly, with rows still to come, and the next run works."""
    record_events(12)
    tamper("UPDATE audit_accessevent SET user_name = 'Mallory' WHERE seq = 2")
    result = ledger_verify(chunk_size=2)
    assert (result.first_break.seq, result.checked) == (2, 2)
    assert "content does not match its hash" in result.first_break.reason
    assert ledger_verify(chunk_size=5).first_break.seq == 2


SCENARIOS = {
    "intact": [],
    "an event in a range edited": ["UPDATE audit_accessevent SET user_name = 'M' WHERE seq = 15"],
    "a range's last event edited": ["UPDATE audit_accessevent SET user_name = 'M' WHERE seq = 10"],
    "a range's first event edited": ["UPDATE audit_accessevent SET user_name = 'M' WHERE seq = 11"],
    "a range's last event removed": ["DELETE FROM audit_accessevent WHERE seq = 10"],
    "a range's first event removed": ["DELETE FROM audit_accessevent WHERE seq = 11"],
    "a range's first event given another predecessor": [
        "UPDATE audit_accessevent SET prev_hash = 'p' || seq WHERE seq = 21"
    ],
    "the newest events cut off after a checkpoint": [
        "DELETE FROM audit_accessevent WHERE seq >= 26"
    ],
}


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("scenario", SCENARIOS)
def test_ranges_walked_side_by_side_find_what_one_walk_finds(scenario, monkeypatch):
    """ledger_verify(processes=3) walks 1..10, 11..20 and 21.. in processes of their own and
    joins them: the same verdict, break and head as one walk, for breaks inside a range and
    at its edges (where only the joining can see them)."""
    monkeypatch.setattr("audit.verification.MIN_EVENTS_A_PROCESS", 1)
    record_events(30)
    LedgerCheckpoint.objects.create(seq=30, hash=AccessEvent.objects.get(seq=30).hash)
    if SCENARIOS[scenario]:
        tamper(*SCENARIOS[scenario])
    one, three = ledger_verify(processes=1), ledger_verify(processes=3)
    assert three.intact is one.intact is (scenario == "intact")
    assert (three.head_seq, three.head_hash) == (one.head_seq, one.head_hash)
    assert three.first_break == one.first_break
    assert three.checked == one.checked == (30 if scenario == "intact" else one.checked)


@pytest.mark.django_db(transaction=True)
def test_audit_verify_walks_in_processes_when_asked(monkeypatch):
    monkeypatch.setattr("audit.verification.MIN_EVENTS_A_PROCESS", 1)
    record_events(6)
    from io import StringIO

    out = StringIO()
    call_command("audit_verify", "--processes", "2", stdout=out, stderr=StringIO())
    assert "Ledger intact: 6 events, head #6" in out.getvalue()
    tamper("UPDATE audit_accessevent SET user_name = 'M' WHERE seq = 5")
    with pytest.raises(CommandError, match="event #5"):
        call_command("audit_verify", "--processes", "2", stdout=StringIO(), stderr=StringIO())
    with pytest.raises(CommandError, match="--processes"):
        call_command("audit_verify", "--processes", "0")
