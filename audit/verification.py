"""Verifying the ledger and anchoring its head: in the database (a checkpoint row) and, where a
timestamping authority is configured, outside it (audit.anchors)."""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.db import transaction

from audit import events
from audit.actors import Actor
from audit.anchors import (
    TimestampError,
    anchor_write,
    anchors_read,
    head_timestamp,
    tsa_configured,
)
from audit.chain import HASHED_FIELDS, ChainWalker, VerifyResult
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
    walker = ChainWalker(
        dict(LedgerCheckpoint.objects.values_list("seq", "hash")),
        timestamped={anchor.seq: (anchor.hash, anchor.describe()) for anchor in anchors},
    )
    rows = (
        AccessEvent.objects.order_by("seq")
        .values(*HASHED_FIELDS, "hash")
        .iterator(chunk_size=chunk_size)
    )
    for row in rows:
        if chain_break := walker.step(row):
            return walker.result(chain_break, tuple(problems))
        if progress and walker.checked % PROGRESS_EVERY == 0:
            progress(walker.checked)
    return walker.result(walker.finish(), tuple(problems))


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
