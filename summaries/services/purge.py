"""Removing a summary that may no longer be kept (a registered refusal)."""

from __future__ import annotations

from django.db import transaction

from audit.actors import Actor
from audit.models import Action, EventType, Purpose
from audit.services import access_event_record
from summaries.models import Summary
from summaries.services.store_lock import store_lock_exclusive


@transaction.atomic
def summary_purge(*, bsn: str, actor: Actor, reason: str) -> bool:
    """Delete the patient's summary, if any, and log it. Returns whether one existed.

    Called when a refusal is registered (the consent registry, roadmap 5):
    a refusing patient's summary is not kept at all. Stores under way commit first, and
    what they stored of this patient is then deleted too.
    """
    store_lock_exclusive()
    deleted, _ = Summary.objects.filter(bsn=bsn).delete()
    access_event_record(
        event_type=EventType.SUMMARY_PURGED,
        action=Action.DELETE,
        actor=actor,
        patient_bsn=bsn,
        purpose_of_use=Purpose.SYSTEM_ADMINISTRATION,
        detail={"reason": reason, "existed": bool(deleted)},
    )
    return bool(deleted)
