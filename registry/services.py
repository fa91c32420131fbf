"""Registering a patient's choice, with its effects: the one service for every path — the
GP's pages, the API for GP information systems, the point of care, and the patient's own
page (issue 16).

The effects: a refusal purges the stored summary (and further pulls do not store it:
summaries_store reads the registry); consent or a withdrawal lets the next pull store it
again. A purge and a store never race (summaries.services.store_lock).
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from audit.actors import Actor
from consent.models import ConsentRegistration, Decision, Scope, Source
from consent.services import consent_register
from summaries.services.purge import summary_purge
from summaries.services.store_lock import store_lock_exclusive

PURGE_REASONS = {
    Source.GP_PRACTICE: "refusal registered by the GP practice",
    Source.ON_THE_SPOT: "refusal on the spot",
    Source.PATIENT: "refusal registered by the patient",
}


@transaction.atomic
def choice_register(
    *,
    patient_bsn: str,
    scope: Scope,
    decision: Decision,
    source: Source,
    actor: Actor,
    by_representative: bool = False,
    note: str = "",
    at: dt.datetime | None = None,
    patient_birth_date: dt.date | None = None,
) -> ConsentRegistration:
    """Append the registration (consent.services.consent_register) and carry out what it
    means for the stored summary, in one transaction."""
    refusing = decision == Decision.REFUSAL
    if refusing:
        # Before the ledger's lock (the registration's event takes it): the store lock
        # first, as everywhere (summaries.services.store_lock).
        store_lock_exclusive()
    registration = consent_register(
        patient_bsn=patient_bsn,
        scope=scope,
        decision=decision,
        source=source,
        actor=actor,
        by_representative=by_representative,
        note=note,
        at=at,
        patient_birth_date=patient_birth_date,
    )
    if refusing:
        # A refusing patient's summary is not kept (DOMAIN: the rules), in any scope.
        summary_purge(bsn=patient_bsn, actor=actor, reason=PURGE_REASONS[source])
    return registration
