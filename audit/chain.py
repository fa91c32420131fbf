"""The ledger's hash chain: canonical serialisation, hashing and verification.

hash(n) = SHA-256 over the canonical JSON of event n, which includes
prev_hash = hash(n-1). Changing, removing or reordering any event breaks the
chain from that event on.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import orjson

GENESIS_HASH = "0" * 64

# Every column that carries meaning. Adding a column to AccessEvent means
# adding it here (tests/audit/test_chain.py checks that nothing is left out).
HASHED_FIELDS: tuple[str, ...] = (
    "seq",
    "event_id",
    "occurred_at",
    "event_type",
    "action",
    "outcome",
    "user_uzi",
    "user_username",
    "user_name",
    "user_role_code",
    "user_portal_role",
    "responsible_uzi",
    "responsible_name",
    "organisation_ura",
    "organisation_agb",
    "organisation_name",
    "patient_bsn",
    "consent_basis",
    "consent_policy",
    "purpose_of_use",
    "client_address",
    "session_ref",
    "request_id",
    "detail",
    "prev_hash",
)


def canonical_value(value: Any) -> Any:
    """A field's value as the canonical JSON holds it: times in UTC with microseconds, UUIDs
    as text, everything else as it is."""
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            raise ValueError("ledger times must be timezone-aware")
        return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    if isinstance(value, uuid.UUID):
        return str(value)
    return value


def check_detail(value: Any, path: str = "detail") -> None:
    """Allow only JSON values that survive a round trip through JSONB unchanged.

    Floats are refused: PostgreSQL may give 1e5 back as 100000, which would
    change the canonical form and break the hash of an untouched event.
    """
    if value is None or isinstance(value, bool | int | str):
        return
    if isinstance(value, float):
        raise ValueError(f"{path}: floats are not allowed in the ledger; store a string")
    if isinstance(value, list):
        for i, item in enumerate(value):
            check_detail(item, f"{path}[{i}]")
        return
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise ValueError(f"{path}: keys must be strings")
            check_detail(item, f"{path}.{key}")
        return
    raise ValueError(f"{path}: {type(value).__name__} is not a JSON value")


def canonical_dumps(value: Any) -> str:
    """The canonical JSON text: sorted keys, no spaces, non-ASCII as it is."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


_dumps = canonical_dumps


def canonical_dumps_fast(value: Any) -> bytes:
    """canonical_dumps(value).encode("utf-8") for a JSON value — None, booleans, integers,
    strings, lists and dicts with string keys, what check_detail lets into the ledger — made
    by orjson: the same bytes (tests/audit/test_chain.py: every code point, nesting, key
    order), in a fraction of the time, for the ledger's bulk append (audit.services._link).
    Where it would write something else or nothing (an integer beyond 64 bits, a datetime,
    nesting beyond 255 levels, a lone surrogate) it raises TypeError: use canonical_dumps.
    Not for other values: orjson writes a UUID or an Enum that json.dumps refuses."""
    return orjson.dumps(value, option=_FAST_OPTIONS)


_FAST_OPTIONS = (
    orjson.OPT_SORT_KEYS | orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS
)


def canonical_bytes(fields: dict[str, Any]) -> bytes:
    payload = {name: canonical_value(fields[name]) for name in HASHED_FIELDS}
    return _dumps(payload).encode("utf-8")


# In the canonical (sorted) order "prev_hash" comes before "seq", not next to each other,
# and neither is first or last: the fields before, between and after them, for
# canonical_parts(). Each group is a run of consecutive keys, none of them empty.
_SORTED = sorted(HASHED_FIELDS)
_BEFORE_PREV = tuple(_SORTED[: _SORTED.index("prev_hash")])
_BETWEEN = tuple(_SORTED[_SORTED.index("prev_hash") + 1 : _SORTED.index("seq")])
_AFTER_SEQ = tuple(_SORTED[_SORTED.index("seq") + 1 :])
if not (_BEFORE_PREV and _BETWEEN and _AFTER_SEQ):
    raise ImportError("audit.chain: canonical_parts() needs fields before, between and after")


def canonical_parts(fields: dict[str, Any]) -> tuple[str, str, str]:
    """The canonical JSON of an event before its place in the chain is known, in three parts:

        canonical = head + prev_hash + middle + str(seq) + tail

    PostgreSQL joins them under the ledger's lock and hashes the result (migration
    audit/0004), so appending an event is one statement. They make the same text as
    canonical_bytes(): json.dumps of a dict with sorted keys is its items, `"key":value`,
    in key order, joined by commas.
    """

    def items(names: tuple[str, ...]) -> str:
        # The group as a JSON object, without its braces: its items, in key order.
        return _dumps({name: canonical_value(fields[name]) for name in names})[1:-1]

    head = "{" + items(_BEFORE_PREV) + ',"prev_hash":"'
    middle = '",' + items(_BETWEEN) + ',"seq":'
    tail = "," + items(_AFTER_SEQ) + "}"
    return head, middle, tail


def event_hash(fields: dict[str, Any]) -> str:
    return hashlib.sha256(canonical_bytes(fields)).hexdigest()


def event_hash_fast(fields: dict[str, Any]) -> str:
    """event_hash for a dict of exactly HASHED_FIELDS whose values are plain JSON already (as
    the verification reads them: the time as canonical text, the id as text, the detail
    parsed, no floats): the payload written by orjson (canonical_dumps_fast) as it is, or by
    event_hash where orjson cannot (an integer beyond 64 bits)."""
    try:
        data = orjson.dumps(fields, option=_FAST_OPTIONS)
    except TypeError:
        return event_hash(fields)
    return hashlib.sha256(data).hexdigest()


@dataclass(frozen=True)
class ChainBreak:
    seq: int
    event_id: str
    reason: str

    def __str__(self) -> str:
        return f"event #{self.seq} ({self.event_id}): {self.reason}"


@dataclass(frozen=True)
class VerifyResult:
    checked: int
    head_seq: int
    head_hash: str
    first_break: ChainBreak | None
    timestamped_checked: int = 0  # heads proven outside the database (audit.anchors)
    # Timestamp files that prove nothing (forged, damaged, another authority's): the proof
    # outside the database is not whole, so the ledger is not reported intact.
    anchor_problems: tuple[str, ...] = ()
    # Months of the ledger whose events are not after the months before them (a row moved
    # by hand, audit.partitions): dropping the oldest month would cut the chain.
    month_problems: tuple[str, ...] = ()
    # Where the chain that is kept begins: after the months the retention job dropped.
    after_seq: int = 0

    @property
    def intact(self) -> bool:
        return self.first_break is None and not self.anchor_problems and not self.month_problems


class ChainWalker:
    """Checks events one by one, in seq order, against their predecessor.

    ``checkpoints`` ({seq: hash}) are heads recorded by earlier verifications;
    they catch a chain that was rebuilt, or cut off at the end. ``timestamped`` ({seq:
    (hash, how it is proven)}) are heads proven outside the database (audit.anchors): they
    catch the same when the checkpoints were deleted or rewritten too.
    """

    def __init__(
        self,
        checkpoints: dict[int, str] | None = None,
        timestamped: dict[int, tuple[str, str]] | None = None,
        hasher: Callable[[dict[str, Any]], str] = event_hash,
        after: int = 0,
        after_hash: str | None = None,
    ) -> None:
        self.checkpoints = checkpoints or {}
        self.timestamped = timestamped or {}
        self.hasher = hasher
        self.checked = 0
        self.head_seq = after
        # From the start of the chain, the genesis hash; from event #after + 1 on, the hash
        # of event #after where it is known (`after_hash`: the last event of the months the
        # retention job dropped), else whatever the first event names as its predecessor's
        # (a range of the chain verified apart, audit.verification), which the range before
        # must end with.
        self.head_hash: str | None = GENESIS_HASH if after == 0 else after_hash
        self.first_prev_hash: str | None = None
        self.first_event_id = ""

    def step(self, row: dict[str, Any]) -> ChainBreak | None:
        self.checked += 1
        seq, event_id = row["seq"], str(row["event_id"])
        expected = self.head_seq + 1
        if seq != expected:
            if seq > expected:
                reason = (
                    f"expected event #{expected}, found #{seq}: #{expected}..#{seq - 1} missing"
                )
            else:
                reason = f"sequence goes back from #{self.head_seq} to #{seq}"
            return ChainBreak(seq, event_id, reason)
        if self.head_hash is None:
            self.head_hash = self.first_prev_hash = row["prev_hash"]
            self.first_event_id = event_id
        if row["prev_hash"] != self.head_hash:
            return ChainBreak(seq, event_id, "prev_hash is not the hash of the event before it")
        if self.hasher(row) != row["hash"]:
            return ChainBreak(seq, event_id, "content does not match its hash (event changed)")
        if seq in self.checkpoints and self.checkpoints[seq] != row["hash"]:
            return ChainBreak(seq, event_id, "hash differs from an earlier checkpoint (rebuilt)")
        stamped = self.timestamped.get(seq)
        if stamped is not None and stamped[0] != row["hash"]:
            return ChainBreak(seq, event_id, f"hash differs from the head {stamped[1]} (rebuilt)")
        self.head_seq, self.head_hash = seq, row["hash"]
        return None

    def finish(self) -> ChainBreak | None:
        """After the last row: was anything after it seen by a checkpoint, or proven by a
        timestamp?"""
        witnesses = [
            (seq, f"a checkpoint saw #{seq}") for seq in self.checkpoints if seq > self.head_seq
        ] + [
            (seq, f"a head {how} names #{seq}")
            for seq, (_hash, how) in self.timestamped.items()
            if seq > self.head_seq
        ]
        if not witnesses:
            return None
        lost, witness = max(witnesses)
        return ChainBreak(
            self.head_seq + 1,
            "-",
            f"the chain ends at #{self.head_seq} but {witness}: "
            f"events #{self.head_seq + 1}..#{lost} were removed",
        )

    def result(
        self,
        chain_break: ChainBreak | None,
        anchor_problems: tuple[str, ...] = (),
        month_problems: tuple[str, ...] = (),
        after_seq: int = 0,
    ) -> VerifyResult:
        return VerifyResult(
            self.checked,
            self.head_seq,
            self.head_hash,
            chain_break,
            timestamped_checked=len(self.timestamped),
            anchor_problems=anchor_problems,
            month_problems=month_problems,
            after_seq=after_seq,
        )
