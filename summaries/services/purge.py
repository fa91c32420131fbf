"""Removing a summary that may no longer be kept (a registered refusal)."""

from __future__ import annotations

from django.db import transaction

from audit.actors import Actor
from audit.models import Action, EventType, Purpose
from audit.services import access_event_record
from summaries.models import Summary
from summaries.services.patient_lock import patients_lock


@transaction.atomic
def summary_purge(*, bsn: str, actor: Actor, reason: str) -> bool:
    """Delete the patient's summary, if any, and log it. Returns whether one existed.

    Called when a refusal is registered (the consent registry, roadmap 5):
    a refusing patient's summary is not kept at all. A store of this patient that is
    under way commits first, and its summary is then deleted too.
    """
    patients_lock([bsn])
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
