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
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from audit import events
from audit.actors import Actor
from consent.models import ConsentRegistration, Decision, Scope, Source
from portal.access import Permission, Refusal, membership_allows
from portal.models import Membership
from registry.batch import Choice, choices_register
from registry.selectors import (
    OwnPatient,
    PatientChoices,
    PatientRegistry,
    enrolled_elsewhere,
    own_patient,
    patient_choices,
    patient_registry,
)

# The ledger's portal role of a patient acting for themselves (staff have portal.Role).
PATIENT_ROLE = "patient"


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
    """Append the registration and carry out what it means for the stored summary, in one
    transaction: a batch of one (registry.batch.choices_register, which the API calls with
    up to 5,000), so every path has exactly the same effects."""
    (registration,) = choices_register(
        choices=[
            Choice(
                patient_bsn=patient_bsn,
                scope=scope,
                decision=decision,
                by_representative=by_representative,
                note=note,
                at=at,
                patient_birth_date=patient_birth_date,
            )
        ],
        source=source,
        actor=actor,
    )
    return registration


# --- The GP's pages: only their own practice's patients --------------------------------------


def gp_actor(membership: Membership) -> Actor:
    """The GP acting, for the ledger; PermissionDenied for a role that may not manage
    consent. Every service of the GP's pages (here and registry.notifications) starts here."""
    if not membership_allows(membership, Permission.MANAGE_CONSENT):
        raise PermissionDenied(f"role {membership.role} may not manage consent")
    return Actor.for_membership(membership)


def not_own_patient() -> Refusal:
    return Refusal(
        _("This patient is not (or no longer) one of your practice's patients. Search again.")
    )


def registry_patient_find(
    *, membership: Membership, bsn: str, birth_date: dt.date
) -> OwnPatient | None:
    """The GP's search, logged like the triage search. Another practice's patient is
    answered as an unknown one (the page says nothing more); the ledger says which."""
    actor = gp_actor(membership)
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
    actor = gp_actor(membership)
    registry = patient_registry(membership=membership, bsn=bsn, birth_date=birth_date)
    if registry is None:
        raise not_own_patient()
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
    actor = gp_actor(membership)
    if own_patient(membership=membership, bsn=bsn, birth_date=birth_date) is None:
        raise not_own_patient()
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


# --- The patient's own choice (the patients' pages of issue 16 call these) -------------------


@dataclass(frozen=True)
class PatientSelf:
    """A patient acting for themselves. Their BSN is established by their login, never by
    what they type: issue 16 links an account to a BSN with an activation code from their GP
    practice (a DigiD connection can do it later); these services take it as given."""

    username: str  # their account, as the ledger names the actor
    name: str
    bsn: str
    birth_date: dt.date | None = None


def _patient_actor(patient: PatientSelf) -> Actor:
    return Actor(username=patient.username, name=patient.name, portal_role=PATIENT_ROLE)


def patient_choice_register(
    *, patient: PatientSelf, decision: Decision, scope: Scope, by_representative: bool = False
) -> ConsentRegistration:
    """The patient registers or changes their own choice, with its effects
    (choice_register). A patient needs no practice: the choice is theirs wherever they are
    enrolled, and holds for their summary from any practice."""
    return choice_register(
        patient_bsn=patient.bsn,
        scope=scope,
        decision=decision,
        source=Source.PATIENT,
        actor=_patient_actor(patient),
        by_representative=by_representative,
        patient_birth_date=patient.birth_date,
    )


def patient_choices_read(*, patient: PatientSelf) -> PatientChoices:
    """The patient's current choice per scope and its whole history, whoever registered it
    (their GP practice, a HAP or SEH on the spot, themselves); read, then logged."""
    choices = patient_choices(patient.bsn)
    events.registry_viewed(
        actor=_patient_actor(patient), patient_bsn=patient.bsn, consultations_shown=0
    )
    return choices
