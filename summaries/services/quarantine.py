"""Quarantine: what could not be imported, kept with its reason, re-processable."""

from __future__ import annotations

import datetime as dt

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


@transaction.atomic
def quarantine_add(*, practice: GpPractice, items: list[Quarantine]) -> int:
    """Keep what could not be imported, with its reason; returns how many were kept. A
    patient with a refusal registered is left out: their data is not kept at all, not
    even here (the caller counts them as not kept)."""
    if not items:
        return 0
    # As a store: a purge under way commits first and its refusal is then read, and a purge
    # that starts later finds these rows (summaries.services.store_lock).
    store_lock_shared()
    refused = refused_among([item.patient_bsn for item in items if item.patient_bsn])
    items = [item for item in items if item.patient_bsn not in refused]
    QuarantinedItem.objects.bulk_create(
        [
            QuarantinedItem(
                practice=practice,
                reason=storable_text(item.reason),
                resource_type=storable_text(item.resource_type)[:64],
                resource_id=storable_text(item.resource_id)[:64],
                patient_bsn=item.patient_bsn[:9],
                kind="resources",
                payload=item.payload,
                size_bytes=len(item.payload),
            )
            for item in items
        ]
    )
    return len(items)


def quarantine_page(*, practice: GpPractice, url: str, body: bytes, reason: str) -> QuarantinedItem:
    """Keep an unreadable page (truncated JSON, not a Bundle, too big)."""
    kept = body[:MAX_KEPT_PAGE_BYTES]
    if len(kept) < len(body):
        reason += f" (first {len(kept):,} of {len(body):,} bytes kept)"
    return QuarantinedItem.objects.create(
        practice=practice,
        reason=storable_text(f"{url.split('?', 1)[0]}: {reason}"),
        resource_type="Bundle",
        kind="page",
        payload=kept,
        size_bytes=len(body),
    )


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
