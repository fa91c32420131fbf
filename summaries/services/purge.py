"""Removing a summary that may no longer be kept (a registered refusal)."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Case, F, Value, When
from django.db.models.functions import Coalesce, Concat
from django.utils import timezone

from audit import events
from audit.actors import Actor
from summaries.models import QuarantinedItem, Summary
from summaries.services.store_lock import store_lock_exclusive


def summary_purge(*, bsn: str, actor: Actor, reason: str) -> bool:
    """summaries_purge for one patient. Returns whether a summary existed."""
    return bsn in summaries_purge(bsns=[bsn], actor=actor, reason=reason)


@transaction.atomic
def summaries_purge(*, bsns: list[str], actor: Actor, reason: str) -> set[str]:
    """Delete these patients' summaries, if any, and what the quarantine keeps of them, and
    log it: the store lock once, one delete, one update of the quarantine, and one
    summary_purged event per patient. Returns the patients whose summary existed.

    Called when a refusal is registered (registry.batch.choices_register): a refusing
    patient's summary is not kept at all. Stores under way commit first, and what they
    stored of these patients is then deleted too.

    What the quarantine holds of a patient is their record too: the payload goes, the row
    stays (dismissed, with why) so the quarantine's counts and reasons still add up."""
    bsns = sorted(set(bsns))
    if not bsns:
        return set()
    store_lock_exclusive()
    existed = set(Summary.objects.filter(bsn__any_of=bsns).values_list("bsn", flat=True))
    if existed:
        Summary.objects.filter(bsn__any_of=existed).delete()
    kept = list(
        QuarantinedItem.objects.filter(patient_bsn__any_of=bsns)
        .exclude(payload=b"")
        .values_list("pk", "patient_bsn")
    )
    dropped: dict[str, int] = {}
    for _pk, bsn in kept:
        dropped[bsn] = dropped.get(bsn, 0) + 1
    if kept:
        open_ = QuarantinedItem.Status.OPEN
        QuarantinedItem.objects.filter(pk__in=[pk for pk, _bsn in kept]).update(
            payload=b"",
            status=Case(
                When(status=open_, then=Value(QuarantinedItem.Status.DISMISSED)),
                default=F("status"),
            ),
            resolved_at=Coalesce(F("resolved_at"), Value(timezone.now())),
            reason=Concat(F("reason"), Value(f"; payload dropped: {reason}")),
        )
    for bsn in bsns:
        events.summary_purged(
            actor=actor,
            patient_bsn=bsn,
            reason=reason,
            existed=bsn in existed,
            quarantine_dropped=dropped.get(bsn, 0),
        )
    return existed
