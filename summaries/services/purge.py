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


@transaction.atomic
def summary_purge(*, bsn: str, actor: Actor, reason: str) -> bool:
    """Delete the patient's summary, if any, and what the quarantine keeps of them, and log
    it. Returns whether a summary existed.

    Called when a refusal is registered (the consent registry, roadmap 5):
    a refusing patient's summary is not kept at all. Stores under way commit first, and
    what they stored of this patient is then deleted too.
    """
    store_lock_exclusive()
    deleted, _ = Summary.objects.filter(bsn=bsn).delete()
    # What the quarantine holds of the patient is their record too: the payload goes, the
    # row stays (dismissed, with why) so the quarantine's counts and reasons still add up.
    open_ = QuarantinedItem.Status.OPEN
    dropped = (
        QuarantinedItem.objects.filter(patient_bsn=bsn)
        .exclude(payload=b"")
        .update(
            payload=b"",
            status=Case(
                When(status=open_, then=Value(QuarantinedItem.Status.DISMISSED)),
                default=F("status"),
            ),
            resolved_at=Coalesce(F("resolved_at"), Value(timezone.now())),
            reason=Concat(F("reason"), Value(f"; payload dropped: {reason}")),
        )
    )
    events.summary_purged(
        actor=actor,
        patient_bsn=bsn,
        reason=reason,
        existed=bool(deleted),
        quarantine_dropped=dropped,
    )
    return bool(deleted)
