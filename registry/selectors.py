"""What the GP's pages read: one of the practice's own patients, their choices, who looked."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from audit.models import AccessEvent, ConsentBasis, EventType
from consent.models import ConsentRegistration, Decision, Scope
from consent.selectors import registered_state
from portal.models import Membership, Role
from summaries.models import Enrolment, GpPractice, Summary

# How many of the patient's consultations the page lists (newest first).
CONSULTATIONS_SHOWN = 50


@dataclass(frozen=True)
class OwnPatient:
    """A patient enrolled with the GP's own practice, as the pulls learned it."""

    bsn: str
    birth_date: dt.date
    name: str  # from the summary; "" when there is none (e.g. purged after a refusal)
    practice: GpPractice
    enrolled_since: dt.datetime


def practice_of(membership: Membership) -> GpPractice | None:
    """The GP practice a GP's organisation is: the same AGB code."""
    agb = membership.organisation.agb
    return GpPractice.objects.filter(agb=agb).first() if agb else None


def own_patient(*, membership: Membership, bsn: str, birth_date: dt.date) -> OwnPatient | None:
    """The patient with this BSN and birth date if they are enrolled with the membership's
    practice; None otherwise — another practice's patient and an unknown BSN alike. The
    birth date must match what the portal holds of the patient (their summary, else a
    registration made with one); a patient of whom it holds no birth date is found by BSN."""
    practice = practice_of(membership)
    if practice is None:
        return None
    enrolment = Enrolment.objects.filter(bsn=bsn, practice=practice).first()
    if enrolment is None:
        return None
    summary = Summary.objects.filter(bsn=bsn).values("birth_date", "sections__patient__name")
    known = summary.first()
    if known is not None:
        birth_dates = {known["birth_date"]}
    else:
        birth_dates = set(
            ConsentRegistration.objects.filter(patient_bsn=bsn, patient_birth_date__isnull=False)
            .values_list("patient_birth_date", flat=True)
            .distinct()
        )
    if birth_dates and birth_date not in birth_dates:
        return None
    name = known["sections__patient__name"] if known else ""
    return OwnPatient(
        bsn=bsn,
        birth_date=birth_date,
        name=name if isinstance(name, str) else "",
        practice=practice,
        enrolled_since=enrolment.since,
    )


def enrolled_elsewhere(membership: Membership, bsn: str) -> bool:
    """For the ledger only: whether a search that found nothing asked about another
    practice's patient (possible misuse) rather than an unknown BSN."""
    practice = practice_of(membership)
    return Enrolment.objects.filter(bsn=bsn).exclude(practice=practice).exists()


@dataclass(frozen=True)
class Consultation:
    """One view of the patient's summary, as the ledger has it."""

    at: dt.datetime
    organisation: str
    role: str  # the portal role, as its label
    basis: str  # the consent basis, as its label (audit.models.ConsentBasis)
    emergency: bool


@dataclass(frozen=True)
class PatientRegistry:
    patient: OwnPatient
    current: dict[Scope, Decision]  # for a HAP and for an SEH
    history: list[ConsentRegistration]  # newest first
    consultations: list[Consultation]  # newest first, at most CONSULTATIONS_SHOWN


def registration_history(bsn: str) -> list[ConsentRegistration]:
    """Every registration of the patient, in every scope, newest first."""
    return list(
        ConsentRegistration.objects.filter(patient_bsn=bsn).order_by("-registered_at", "-id")
    )


def patient_registry(patient: OwnPatient) -> PatientRegistry:
    history = registration_history(patient.bsn)
    views = (
        AccessEvent.objects.filter(patient_bsn=patient.bsn, event_type=EventType.SUMMARY_VIEW)
        .order_by("-occurred_at")
        .values_list("occurred_at", "organisation_name", "user_portal_role", "consent_basis")[
            :CONSULTATIONS_SHOWN
        ]
    )
    return PatientRegistry(
        patient=patient,
        current={
            scope: registered_state(patient_bsn=patient.bsn, requester_scope=scope)
            for scope in (Scope.HAP, Scope.SEH)
        },
        history=history,
        consultations=[
            Consultation(
                at=at,
                organisation=organisation,
                role=str(Role(role).label) if role in Role.values else role,
                basis=str(ConsentBasis(basis).label) if basis in ConsentBasis.values else basis,
                emergency=basis == ConsentBasis.EMERGENCY_ACCESS,
            )
            for at, organisation, role, basis in views
        ],
    )
