"""Registering a patient's choice, with its effects: the one service for every path — the
GP's pages, the API for GP information systems, the point of care, and the patient's own
page (issue 16).

The effects: a refusal purges the stored summary (and further pulls do not store it:
summaries_store reads the registry); consent or a withdrawal lets the next pull store it
again (summaries.services.refetch: the next pull asks for the patient by BSN). A purge and
a store never race (summaries.services.store_lock).
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from audit import events
from audit.actors import Actor
from consent.models import ConsentRegistration, Decision, Scope, Source
from consent.services import consent_register
from portal.access import Permission, Refusal, membership_allows
from portal.models import Membership
from registry.selectors import (
    OwnPatient,
    PatientRegistry,
    enrolled_elsewhere,
    own_patient,
    patient_registry,
)
from summaries.services.purge import summary_purge
from summaries.services.refetch import refetch_request
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
    else:
        # A summary that was not kept may be kept now: the next pull fetches it again.
        refetch_request([patient_bsn])
    return registration


# --- The GP's pages: only their own practice's patients --------------------------------------


def _gp_actor(membership: Membership) -> Actor:
    if not membership_allows(membership, Permission.MANAGE_CONSENT):
        raise PermissionDenied(f"role {membership.role} may not manage consent")
    return Actor.for_membership(membership)


def _not_own() -> Refusal:
    return Refusal(
        _("This patient is not (or no longer) one of your practice's patients. Search again.")
    )


def registry_patient_find(
    *, membership: Membership, bsn: str, birth_date: dt.date
) -> OwnPatient | None:
    """The GP's search, logged like the triage search. Another practice's patient is
    answered as an unknown one (the page says nothing more); the ledger says which."""
    actor = _gp_actor(membership)
    patient = own_patient(membership=membership, bsn=bsn, birth_date=birth_date)
    events.registry_searched(
        actor=actor,
        patient_bsn=bsn,
        found=patient is not None,
        enrolled_elsewhere=patient is None and enrolled_elsewhere(membership, bsn),
    )
    return patient


def registry_patient_open(
    *, membership: Membership, bsn: str, birth_date: dt.date
) -> PatientRegistry:
    """The patient's choices, their history and who consulted their summary: read, then
    logged; nothing is returned if the event cannot be written."""
    actor = _gp_actor(membership)
    patient = own_patient(membership=membership, bsn=bsn, birth_date=birth_date)
    if patient is None:
        raise _not_own()
    registry = patient_registry(patient)
    events.registry_viewed(
        actor=actor, patient_bsn=bsn, consultations_shown=len(registry.consultations)
    )
    return registry


def registry_choice_register(
    *,
    membership: Membership,
    bsn: str,
    birth_date: dt.date,
    decision: Decision,
    scope: Scope,
    by_representative: bool = False,
    note: str = "",
) -> ConsentRegistration:
    """The GP registers their patient's choice, with its effects (choice_register)."""
    actor = _gp_actor(membership)
    if own_patient(membership=membership, bsn=bsn, birth_date=birth_date) is None:
        raise _not_own()
    return choice_register(
        patient_bsn=bsn,
        scope=scope,
        decision=decision,
        source=Source.GP_PRACTICE,
        actor=actor,
        by_representative=by_representative,
        note=note,
        patient_birth_date=birth_date,
    )
