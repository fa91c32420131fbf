"""Verifying the ledger and anchoring its head: in the database (a checkpoint row) and, where a
timestamping authority is configured, outside it (audit.anchors)."""

from __future__ import annotations

import dataclasses
import json
import logging
import multiprocessing
import queue
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import orjson
from django.db import connection, transaction

from audit import events
from audit.actors import Actor
from audit.anchors import (
    TimestampError,
    anchor_write,
    anchors_read,
    head_timestamp,
    tsa_configured,
)
from audit.chain import (
    HASHED_FIELDS,
    ChainBreak,
    ChainWalker,
    VerifyResult,
    event_hash,
    event_hash_fast,
)
from audit.models import AccessEvent, LedgerCheckpoint
from audit.partitions import partitions_out_of_order
from audit.retention import chain_start

logger = logging.getLogger(__name__)

PROGRESS_EVERY = 10_000


def ledger_verify(
    *,
    progress: Callable[[int], None] | None = None,
    chunk_size: int = 5_000,
    processes: int = 1,
) -> VerifyResult:
    """Walk the whole chain in seq order; stop at the first broken event. The heads of the
    checkpoint rows and of the timestamp files (those that verify; the others are reported
    as problems) must be the chain's own. With `processes` > 1 (PostgreSQL, outside a
    transaction, a ledger of at least MIN_EVENTS_A_PROCESS events a process), ranges of the
    chain are walked side by side and joined (_verify_in_ranges): the same result."""
    # The chain that is kept: after the months the retention job dropped (audit.retention),
    # whose last event's hash the first kept event must name. Heads within the dropped
    # months went with them.
    after, after_hash = chain_start()
    anchors, problems = anchors_read()
    checkpoints = {
        seq: hash_
        for seq, hash_ in LedgerCheckpoint.objects.values_list("seq", "hash")
        if seq > after
    }
    timestamped = {
        anchor.seq: (anchor.hash, anchor.describe()) for anchor in anchors if anchor.seq > after
    }
    found = _walk(
        progress, chunk_size, processes, checkpoints, timestamped, problems, after, after_hash
    )
    return dataclasses.replace(
        found, month_problems=tuple(partitions_out_of_order()), after_seq=after
    )


def _walk(
    progress: Callable[[int], None] | None,
    chunk_size: int,
    processes: int,
    checkpoints: dict[int, str],
    timestamped: dict[int, tuple[str, str]],
    problems: list[str],
    after: int,
    after_hash: str | None,
) -> VerifyResult:
    postgresql = connection.vendor == "postgresql"
    if postgresql and processes > 1 and not connection.in_atomic_block:
        head = ledger_head_seq()
        if head - after >= processes * MIN_EVENTS_A_PROCESS:
            ranges = _ranges(after, head, processes)
            return _verify_in_ranges(
                ranges, checkpoints, timestamped, chunk_size, problems, after, after_hash
            )
    walker = ChainWalker(
        checkpoints,
        timestamped=timestamped,
        hasher=_computed if postgresql else event_hash,
        after=after,
        after_hash=after_hash,
    )
    rows = (
        _rows_postgresql(chunk_size, first=after + 1)
        if postgresql
        else AccessEvent.objects.filter(seq__gt=after)
        .order_by("seq")
        .values(*HASHED_FIELDS, "hash")
        .iterator(chunk_size=chunk_size)
    )
    for row in rows:
        if chain_break := walker.step(row):
            return walker.result(chain_break, tuple(problems))
        if progress and walker.checked % PROGRESS_EVERY == 0:
            progress(walker.checked)
    return walker.result(walker.finish(), tuple(problems))


# Below this many events a process, starting processes costs more than it saves.
MIN_EVENTS_A_PROCESS = 50_000


def ledger_head_seq() -> int:
    """The newest event's seq (0 for an empty ledger)."""
    return AccessEvent.objects.order_by("-seq").values_list("seq", flat=True).first() or 0


def _ranges(after: int, head: int, parts: int) -> list[tuple[int, int]]:
    """after+1..head in `parts` ranges of (nearly) equal length, in order; the last
    open-ended (events appended meanwhile belong to it, as a single walk would read them or
    not)."""
    size = -(-(head - after) // parts)
    ranges = [(start, start + size - 1) for start in range(after + 1, head + 1, size)]
    return [*ranges[:-1], (ranges[-1][0], 0)]


@dataclass(frozen=True)
class _RangeWalked:
    first_seq: int
    last_seq: int  # 0: open-ended
    checked: int
    head_seq: int
    head_hash: str | None
    first_prev_hash: str | None
    first_event_id: str
    chain_break: ChainBreak | None


def _range_walk(
    bounds: tuple[int, int],
    checkpoints: dict[int, str],
    timestamped: dict[int, tuple[str, str]],
    chunk_size: int,
) -> _RangeWalked:
    """One range of the chain, in a process of its own (its own database connection)."""
    first, last = bounds
    walker = ChainWalker(checkpoints, timestamped=timestamped, hasher=_computed, after=first - 1)
    chain_break = None
    try:
        for row in _rows_postgresql(chunk_size, first=first, last=last):
            if chain_break := walker.step(row):
                break
    finally:
        connection.close()
    return _RangeWalked(
        first,
        last,
        walker.checked,
        walker.head_seq,
        walker.head_hash,
        walker.first_prev_hash,
        walker.first_event_id,
        chain_break,
    )


def _verify_in_ranges(
    ranges: list[tuple[int, int]],
    checkpoints: dict[int, str],
    timestamped: dict[int, tuple[str, str]],
    chunk_size: int,
    problems: list[str],
    after: int = 0,
    after_hash: str | None = None,
) -> VerifyResult:
    """Each range walked by a process of its own (forked: the parent's connection is closed
    first, so no two processes share one); then joined in order: each range must begin
    where the one before ended — the next seq, and the hash that range's last event has —
    which is what a single walk checks at that point."""
    connection.close()
    work = [(bounds, checkpoints, timestamped, chunk_size) for bounds in ranges]
    with multiprocessing.get_context("fork").Pool(len(ranges)) as pool:
        walked = pool.starmap(_range_walk, work)
    joined = ChainWalker(checkpoints, timestamped=timestamped, after=after, after_hash=after_hash)
    short_of: int | None = None  # the last seq of the range before, when events end early
    for part in walked:
        if short_of is not None:
            # Events missing at the end of the range before: named at the event after the
            # gap, as a single walk names it.
            expected = joined.head_seq + 1
            found = part.first_seq if part.first_event_id else short_of + 1
            joined.checked += 1
            return joined.result(
                ChainBreak(
                    found,
                    part.first_event_id or "-",
                    f"expected event #{expected}, found #{found}: #{expected}..#{found - 1} "
                    "missing",
                ),
                tuple(problems),
            )
        if part.first_prev_hash is not None and part.first_prev_hash != joined.head_hash:
            # The range's first event does not follow the one before: found here, as a
            # single walk finds it there.
            chain_break = ChainBreak(
                part.first_seq,
                part.first_event_id,
                "prev_hash is not the hash of the event before it",
            )
            joined.checked += 1
            return joined.result(chain_break, tuple(problems))
        joined.checked += part.checked
        if part.head_seq >= part.first_seq:  # at least one intact event in the range
            joined.head_seq, joined.head_hash = part.head_seq, part.head_hash
        if part.chain_break is not None:
            return joined.result(part.chain_break, tuple(problems))
        if part.last_seq and part.head_seq != part.last_seq:
            short_of = part.last_seq
    return joined.result(joined.finish(), tuple(problems))


# The hashed columns as the canonical JSON holds them (audit.chain.canonical_value), converted
# by PostgreSQL: the time in UTC with microseconds, the id as text, the detail as JSON text
# (parsed here). Rows so read need no Django conversion and no per-field Python work: the
# ORM's reading and the canonical JSON were 95% of the verification's time
# (docs/performance.md, "Ledger verification").
_CONVERTED = {
    "occurred_at": """to_char("occurred_at" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')""",
    "event_id": '"event_id"::text',
    "detail": '"detail"::text',
}
_ROWS_SQL = (
    "SELECT "  # noqa: S608 (our columns only)
    + ", ".join(_CONVERTED.get(name, f'"{name}"') for name in HASHED_FIELDS)
    + ', "hash" FROM "audit_accessevent" ORDER BY "seq"'
)
# A range of it: from seq %s to seq %s, or from seq %s to the end.
_RANGE_SQL = _ROWS_SQL.replace(' ORDER BY "seq"', ' WHERE "seq" BETWEEN %s AND %s ORDER BY "seq"')
_TAIL_SQL = _ROWS_SQL.replace(' ORDER BY "seq"', ' WHERE "seq" >= %s ORDER BY "seq"')
_DETAIL = HASHED_FIELDS.index("detail")
COMPUTED = "_computed_hash"


def _computed(row: dict[str, Any]) -> str:
    return row[COMPUTED]


def _rows_postgresql(chunk_size: int, *, first: int = 0, last: int = 0) -> Iterator[dict[str, Any]]:
    """The ledger in seq order through a server-side cursor, `chunk_size` rows a fetch, each
    row a dict of HASHED_FIELDS and hash with plain JSON values, and COMPUTED: the hash its
    values give (what ChainWalker compares with the stored one). The next rows are fetched
    while these are hashed (_prefetched): PostgreSQL's part and Python's overlap."""
    with transaction.atomic(), connection.cursor() as django_cursor:
        raw = django_cursor.connection.cursor(name="ledger_verify")
        raw.itersize = chunk_size
        if last:
            raw.execute(_RANGE_SQL, [first, last])
        elif first:
            raw.execute(_TAIL_SQL, [first])
        else:
            raw.execute(_ROWS_SQL)
        try:
            for batch in _prefetched(raw, chunk_size):
                for values in batch:
                    # The hashed fields first (zip stops before the stored hash, last).
                    row = dict(zip(HASHED_FIELDS, values, strict=False))
                    detail = orjson.loads(values[_DETAIL])
                    if _has_float(detail):
                        # orjson reads an integer beyond 64 bits as a float, and writes
                        # floats as json.dumps may not (the ledger refuses floats, so only a
                        # changed row has one): such a row is read and hashed as the
                        # reference does (json, audit.chain.event_hash).
                        row["detail"] = json.loads(values[_DETAIL])
                        computed = event_hash(row)
                    else:
                        row["detail"] = detail
                        computed = event_hash_fast(row)
                    row["hash"], row[COMPUTED] = values[-1], computed
                    yield row
        finally:
            raw.close()


_END = object()


def _prefetched(cursor, size: int) -> Iterator[list[tuple]]:
    """The cursor's batches, each fetched by a thread while the one before is used (psycopg
    waits for the server without the GIL). Stopping early (a broken chain) stops the thread
    before the cursor is closed."""
    ready: queue.Queue = queue.Queue(maxsize=2)
    stop = threading.Event()

    def fetch() -> None:
        try:
            while not stop.is_set() and (batch := cursor.fetchmany(size)):
                ready.put(batch)
            ready.put(_END)
        except BaseException as error:  # handed to the caller's thread
            ready.put(error)

    fetcher = threading.Thread(target=fetch, name="ledger_verify fetch", daemon=True)
    fetcher.start()
    try:
        while (batch := ready.get()) is not _END:
            if isinstance(batch, BaseException):
                raise batch
            yield batch
    finally:
        stop.set()
        while fetcher.is_alive():  # let a fetch that waits to hand over its batch end
            try:
                ready.get(timeout=0.1)
            except queue.Empty:
                pass
        fetcher.join()


def _has_float(value: Any) -> bool:
    """Whether a parsed JSON value holds a float anywhere (details are small: a walk costs
    about a microsecond)."""
    kind = type(value)
    if kind is float:
        return True
    if kind is dict:
        value = value.values()
    elif kind is not list:
        return False
    for item in value:
        if _has_float(item):
            return True
    return False


def ledger_checkpoint(*, result: VerifyResult, actor: Actor) -> LedgerCheckpoint:
    """Anchor an intact head: timestamped by the authority and written to a file outside the
    database (where one is configured), then a checkpoint row and a ledger event. An
    authority that fails leaves a checkpoint without a timestamp, logged as an error: the
    next run timestamps its own head."""
    if not result.intact:
        raise ValueError("only an intact chain can be anchored")
    token = None
    if tsa_configured() and result.head_seq:
        try:
            token = head_timestamp(result.head_seq, result.head_hash)
            anchor_write(result.head_seq, result.head_hash, token)
        except (TimestampError, OSError) as error:
            token = None
            logger.error("ledger head not timestamped", extra={"reason": str(error)})
    with transaction.atomic():
        checkpoint = LedgerCheckpoint.objects.create(
            seq=result.head_seq, hash=result.head_hash, timestamp_token=token
        )
        events.ledger_verified(
            actor=actor,
            checked=result.checked,
            head_seq=result.head_seq,
            timestamped=token is not None,
        )
    # Also into the logs, which are shipped off this machine.
    logger.info(
        "ledger checkpoint",
        extra={
            "ledger_head_seq": result.head_seq,
            "ledger_head_hash": result.head_hash,
            "timestamped": token is not None,
        },
    )
    return checkpoint
