"""Verifying the ledger and anchoring its head."""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.db import transaction

from audit import events
from audit.actors import Actor
from audit.chain import HASHED_FIELDS, ChainWalker, VerifyResult
from audit.models import AccessEvent, LedgerCheckpoint

logger = logging.getLogger(__name__)

PROGRESS_EVERY = 10_000


def ledger_verify(
    *, progress: Callable[[int], None] | None = None, chunk_size: int = 5_000
) -> VerifyResult:
    """Walk the whole chain in seq order; stop at the first broken event."""
    walker = ChainWalker(dict(LedgerCheckpoint.objects.values_list("seq", "hash")))
    rows = (
        AccessEvent.objects.order_by("seq")
        .values(*HASHED_FIELDS, "hash")
        .iterator(chunk_size=chunk_size)
    )
    for row in rows:
        if chain_break := walker.step(row):
            return walker.result(chain_break)
        if progress and walker.checked % PROGRESS_EVERY == 0:
            progress(walker.checked)
    return walker.result(walker.finish())


@transaction.atomic
def ledger_checkpoint(*, result: VerifyResult, actor: Actor) -> LedgerCheckpoint:
    """Anchor an intact head, and log the verification in the ledger itself."""
    if not result.intact:
        raise ValueError("only an intact chain can be anchored")
    checkpoint = LedgerCheckpoint.objects.create(seq=result.head_seq, hash=result.head_hash)
    events.ledger_verified(actor=actor, checked=result.checked, head_seq=result.head_seq)
    # Also into the logs, which are shipped off this machine: an anchor that
    # a database superuser cannot rewrite.
    logger.info(
        "ledger checkpoint",
        extra={"ledger_head_seq": result.head_seq, "ledger_head_hash": result.head_hash},
    )
    return checkpoint
