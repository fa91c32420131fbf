"""Quarantine: what could not be imported, kept with its reason, re-processable."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

import orjson
from django.db import transaction
from django.utils import timezone

from consent.selectors import refused_among
from summaries.fhir import Quarantine
from summaries.models import GpPractice, QuarantinedItem
from summaries.services.store_lock import store_lock_shared
from summaries.storable import storable_text

# A page that cannot be read is kept whole up to this size; beyond it the
# head is kept, and the reason says how much was cut.
MAX_KEPT_PAGE_BYTES = 8 * 1024 * 1024


@dataclass(frozen=True)
class QuarantineAdded:
    """What became of the items handed to the quarantine: new + already + not_kept of them."""

    new: int = 0  # quarantined now
    already: int = 0  # the same input was in the quarantine (open) already: seen again
    not_kept: int = 0  # a refusal is registered for the patient: not kept at all


def source_key(*, kind: str, resource_type: str, resource_id: str, reason: str) -> str:
    """What makes two quarantined items the same input: the resource (or, for a page, the
    URL its reason starts with) and the reason, as stored. A reprocessed item keeps its key
    while its reason changes, so a later pull of the same input still finds it. (Migration
    0009 computes the same key for the items quarantined before; keep them in step.)"""
    parts = (kind, resource_type, resource_id, reason)
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def _upsert(*, practice: GpPractice, rows: list[QuarantinedItem]) -> int:
    """Insert the rows whose input has no open item yet; for those that have one, record
    that it was seen again (and keep the newest payload, for reprocessing). Returns how
    many were inserted. The partial unique index quarantine_one_open_per_source holds the
    rule in the database; the pull's lease keeps to one writer per practice."""
    now = timezone.now()
    latest = {row.source_key: row for row in rows}  # the same input twice: the last one
    open_items = QuarantinedItem.objects.select_for_update().filter(
        practice=practice, status=QuarantinedItem.Status.OPEN, source_key__in=list(latest)
    )
    seen = list(open_items.only("pk", "source_key", "times_seen", "payload", "patient_bsn"))
    for item in seen:
        row = latest.pop(item.source_key)
        item.times_seen += 1
        item.last_seen_at = now
        if bytes(item.payload) != bytes(row.payload):
            item.payload, item.size_bytes = row.payload, row.size_bytes
        item.patient_bsn = row.patient_bsn
    QuarantinedItem.objects.bulk_update(
        seen, ["times_seen", "last_seen_at", "payload", "size_bytes", "patient_bsn"]
    )
    QuarantinedItem.objects.bulk_create(list(latest.values()), ignore_conflicts=True)
    return len(latest)


@transaction.atomic
def quarantine_add(*, practice: GpPractice, items: list[Quarantine]) -> QuarantineAdded:
    """Keep what could not be imported, with its reason, once: input that is in the
    quarantine (open) already is not added again (re-pulling unchanged bad data changes
    no count of open items). A patient with a refusal registered is left out: their data
    is not kept at all, not even here."""
    if not items:
        return QuarantineAdded()
    # As a store: a purge under way commits first and its refusal is then read, and a purge
    # that starts later finds these rows (summaries.services.store_lock).
    store_lock_shared()
    refused = refused_among([item.patient_bsn for item in items if item.patient_bsn])
    kept = [item for item in items if item.patient_bsn not in refused]
    rows = []
    for item in kept:
        row = QuarantinedItem(
            practice=practice,
            reason=storable_text(item.reason),
            resource_type=storable_text(item.resource_type)[:64],
            resource_id=storable_text(item.resource_id)[:64],
            patient_bsn=item.patient_bsn[:9],
            kind="resources",
            payload=item.payload,
            size_bytes=len(item.payload),
        )
        row.source_key = source_key(
            kind=row.kind,
            resource_type=row.resource_type,
            resource_id=row.resource_id,
            reason=row.reason,
        )
        rows.append(row)
    new = _upsert(practice=practice, rows=rows)
    return QuarantineAdded(new=new, already=len(kept) - new, not_kept=len(items) - len(kept))


@transaction.atomic
def quarantine_page(
    *, practice: GpPractice, url: str, body: bytes, reason: str, size: int | None = None
) -> QuarantineAdded:
    """Keep an unreadable page (truncated JSON, not a Bundle, too big), once: the same URL
    (without its query, which holds a cursor that differs on every pull) and reason count
    as the same input. `size`: the page's size when only its head was read."""
    store_lock_shared()  # every writer of quarantine rows takes it first
    reason = storable_text(f"{url.split('?', 1)[0]}: {reason}")
    key = source_key(kind="page", resource_type="Bundle", resource_id="", reason=reason)
    size = len(body) if size is None else size
    kept = body[:MAX_KEPT_PAGE_BYTES]
    if 0 < len(kept) < size:  # nothing kept: the reason says it was not read
        reason += f" (first {len(kept):,} of {size:,} bytes kept)"
    row = QuarantinedItem(
        practice=practice,
        reason=reason,
        resource_type="Bundle",
        kind="page",
        payload=kept,
        size_bytes=size,
        source_key=key,
    )
    new = _upsert(practice=practice, rows=[row])
    return QuarantineAdded(new=new, already=1 - new)


def wrap_as_bundle(payload: bytes) -> bytes:
    """Quarantined resources (a JSON list) as a searchset Bundle, to parse again."""
    resources = orjson.loads(payload)
    return orjson.dumps(
        {
            "resourceType": "Bundle",
            "type": "searchset",
            "entry": [{"resource": r} for r in resources],
        }
    )


@transaction.atomic
def quarantine_reprocess(*, item: QuarantinedItem, now: dt.datetime | None = None) -> bool:
    """Parse a quarantined item again (after a fix in the importer or a limit change).

    Imports it when it now reads as a summary; otherwise records the new reason.
    Returns whether it was imported.
    """
    from summaries.fhir import parse_page
    from summaries.fhir.page import PageError
    from summaries.services.pull import limits_from_settings
    from summaries.services.store import summaries_store

    now = now or timezone.now()
    # The lock order of every writer: the store lock, then quarantine rows, then the ledger
    # (a purge takes them in that order too; the other way round they deadlock).
    store_lock_shared()
    item = QuarantinedItem.objects.select_for_update().get(pk=item.pk)
    if not item.payload:
        return False  # emptied by a refusal's purge: nothing left to read
    item.attempts += 1
    body = bytes(item.payload) if item.kind == "page" else wrap_as_bundle(bytes(item.payload))
    try:
        result = parse_page(body, now=now, limits=limits_from_settings())
    except PageError as exc:
        item.reason = storable_text(f"reprocessed: {exc}")
        item.save(update_fields=["attempts", "reason"])
        return False
    if result.quarantine or not result.summaries:
        reasons = "; ".join(q.reason for q in result.quarantine) or "no patient summary in it"
        item.reason = storable_text(f"reprocessed: {reasons}")
        item.save(update_fields=["attempts", "reason"])
        return False
    stored = summaries_store(practice=item.practice, items=result.summaries, fetched_at=now)
    kept = stored.imported + stored.unchanged
    item.status = QuarantinedItem.Status.RESOLVED if kept else QuarantinedItem.Status.DISMISSED
    item.resolved_at = now
    if stored.not_kept:
        # A refusal was registered meanwhile: that patient's data goes, here too.
        item.reason = (
            f"{item.reason}; not kept for {stored.not_kept} patient(s): refusal registered"
        )
        item.payload = b""
    item.save(update_fields=["attempts", "status", "resolved_at", "reason", "payload"])
    return kept > 0
