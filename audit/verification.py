"""Verifying the ledger and anchoring its head: in the database (a checkpoint row) and, where a
timestamping authority is configured, outside it (audit.anchors)."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Iterator
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
    SLOW_PATH,
    ChainWalker,
    VerifyResult,
    event_hash,
    event_hash_fast,
)
from audit.models import AccessEvent, LedgerCheckpoint

logger = logging.getLogger(__name__)

PROGRESS_EVERY = 10_000


def ledger_verify(
    *, progress: Callable[[int], None] | None = None, chunk_size: int = 5_000
) -> VerifyResult:
    """Walk the whole chain in seq order; stop at the first broken event. The heads of the
    checkpoint rows and of the timestamp files (those that verify; the others are reported
    as problems) must be the chain's own."""
    anchors, problems = anchors_read()
    postgresql = connection.vendor == "postgresql"
    walker = ChainWalker(
        dict(LedgerCheckpoint.objects.values_list("seq", "hash")),
        timestamped={anchor.seq: (anchor.hash, anchor.describe()) for anchor in anchors},
        hasher=event_hash_fast if postgresql else event_hash,
    )
    rows = (
        _rows_postgresql(chunk_size)
        if postgresql
        else AccessEvent.objects.order_by("seq")
        .values(*HASHED_FIELDS, "hash")
        .iterator(chunk_size=chunk_size)
    )
    for row in rows:
        if chain_break := walker.step(row):
            return walker.result(chain_break, tuple(problems))
        if progress and walker.checked % PROGRESS_EVERY == 0:
            progress(walker.checked)
    return walker.result(walker.finish(), tuple(problems))


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
_DETAIL = HASHED_FIELDS.index("detail")


def _rows_postgresql(chunk_size: int) -> Iterator[dict[str, Any]]:
    """The ledger in seq order through a server-side cursor, `chunk_size` rows a fetch, each
    row a dict of HASHED_FIELDS and hash with plain JSON values."""
    names = (*HASHED_FIELDS, "hash")
    with transaction.atomic(), connection.cursor() as django_cursor:
        raw = django_cursor.connection.cursor(name="ledger_verify")
        raw.itersize = chunk_size
        raw.execute(_ROWS_SQL)
        while batch := raw.fetchmany(chunk_size):
            for values in batch:
                row = dict(zip(names, values, strict=True))
                text = values[_DETAIL]
                if _NOT_ONLY_64_BIT_INTEGERS.search(text):
                    # orjson reads an integer beyond 64 bits as a float, and writes floats
                    # as json.dumps may not: such a row is read and hashed as the reference
                    # does (json, audit.chain.event_hash). Strings that only look like such
                    # numbers come here too, which costs time, not correctness.
                    row["detail"] = json.loads(text)
                    row[SLOW_PATH] = True
                else:
                    row["detail"] = orjson.loads(text)
                yield row
        raw.close()


# A JSON number that is not an integer within 64 bits: a fraction or an exponent follows a
# digit directly, or 19 digits and more in a row.
_NOT_ONLY_64_BIT_INTEGERS = re.compile(r"[0-9][.eE]|[0-9]{19}")


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
