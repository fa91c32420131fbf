"""What the GP's pages read: one of the practice's own patients, their choices, who looked."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import connection, models

from audit.models import AccessEvent, ConsentBasis, EventType
from consent.models import ConsentRegistration, Decision, Scope, Source
from consent.selectors import registered_state
from portal.models import Membership, Role
from registry.models import GpNotification
from registry.notification_rows import NOTIFICATION_FIELDS, NotificationRow, notification_rows
from registry.sql import (
    CONSULTATION_FIELDS,
    HISTORY_FIELDS,
    SCOPES_SHOWN,
    PatientRows,
    patient_rows,
)
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
    birth_dates = {known["birth_date"]} if known is not None else _registered_birth_dates(bsn)
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


def _registered_birth_dates(bsn: str) -> set[dt.date]:
    return set(
        ConsentRegistration.objects.filter(patient_bsn=bsn, patient_birth_date__isnull=False)
        .values_list("patient_birth_date", flat=True)
        .distinct()
    )


def birth_dates_held(bsn: str) -> set[dt.date]:
    """The birth dates the portal holds of a patient, which own_patient checks a search
    against: their summary's, else those registered with a choice; none when it holds none."""
    held = Summary.objects.filter(bsn=bsn).values_list("birth_date", flat=True).first()
    return {held} if held is not None else _registered_birth_dates(bsn)


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
class RegistrationRow:
    """One registration of the patient's history, as the page shows it (labels, not codes)."""

    registered_at: dt.datetime
    decision: str
    scope: str
    source: str
    registered_by: str
    organisation: str
    by_representative: bool


@dataclass(frozen=True)
class PatientRegistry:
    patient: OwnPatient
    current: dict[Scope, Decision]  # for a HAP and for an SEH
    history: list[RegistrationRow]  # newest first
    consultations: list[Consultation]  # newest first, at most CONSULTATIONS_SHOWN
    # The practice's notifications about the patient (issue 15), newest first; without the
    # patient's name, which the page's heading shows.
    notifications: list[NotificationRow]


def registration_history(bsn: str) -> list[ConsentRegistration]:
    """Every registration of the patient, in every scope, newest first."""
    return list(
        ConsentRegistration.objects.filter(patient_bsn=bsn).order_by("-registered_at", "-id")
    )


@dataclass(frozen=True)
class PatientChoices:
    current: dict[Scope, Decision]  # for a HAP and for an SEH
    history: list[ConsentRegistration]  # newest first


def patient_choices(bsn: str) -> PatientChoices:
    """A patient's current choice per scope and its whole history, whoever registered it
    (their GP practice, a HAP or SEH on the spot, the patient themselves)."""
    return PatientChoices(
        current={
            scope: registered_state(patient_bsn=bsn, requester_scope=scope)
            for scope in (Scope.HAP, Scope.SEH)
        },
        history=registration_history(bsn),
    )


def patient_rows_orm(
    *, membership: Membership, bsn: str, birth_date: dt.date, consultations: int
) -> PatientRows | None:
    """What registry.sql.patient_rows reads in one statement, through the ORM (seven): on other
    databases than PostgreSQL, and as the reference its test compares it with."""
    patient = own_patient(membership=membership, bsn=bsn, birth_date=birth_date)
    if patient is None:
        return None
    return PatientRows(
        practice=patient.practice,
        enrolled_since=patient.enrolled_since,
        name=patient.name,
        current={
            scope: registered_state(patient_bsn=bsn, requester_scope=scope)
            for scope in SCOPES_SHOWN
        },
        history=list(
            ConsentRegistration.objects.filter(patient_bsn=bsn)
            .order_by("-registered_at", "-id")
            .values_list(*HISTORY_FIELDS)
        ),
        consultations=list(
            AccessEvent.objects.filter(patient_bsn=bsn, event_type=EventType.SUMMARY_VIEW)
            .order_by("-occurred_at")
            .values_list(*CONSULTATION_FIELDS)[:consultations]
        ),
        notifications=list(
            GpNotification.objects.filter(practice=patient.practice, patient_bsn=bsn)
            .order_by("-occurred_at", "-event_seq")
            .values_list(*NOTIFICATION_FIELDS)
        ),
    )


def _labels(choices: type[models.TextChoices]) -> dict[str, str]:
    """Each value's label in the request's language: translated once per page, not per row."""
    return {value: str(label) for value, label in choices.choices}


def patient_registry(
    *, membership: Membership, bsn: str, birth_date: dt.date
) -> PatientRegistry | None:
    """The GP's page of one of their practice's own patients (own_patient's rule): the
    current choice per scope, the history, who consulted the summary and the practice's
    notifications about them; None for anyone else. Read in one statement on PostgreSQL
    (registry/sql.py), else through the ORM."""
    read = patient_rows if connection.vendor == "postgresql" else patient_rows_orm
    rows = read(
        membership=membership, bsn=bsn, birth_date=birth_date, consultations=CONSULTATIONS_SHOWN
    )
    if rows is None:
        return None
    decisions, scopes, sources = _labels(Decision), _labels(Scope), _labels(Source)
    roles, bases = _labels(Role), _labels(ConsentBasis)
    return PatientRegistry(
        patient=OwnPatient(
            bsn=bsn,
            birth_date=birth_date,
            name=rows.name,
            practice=rows.practice,
            enrolled_since=rows.enrolled_since,
        ),
        current=rows.current,
        history=[
            RegistrationRow(
                registered_at=at,
                decision=decisions.get(decision, decision),
                scope=scopes.get(scope, scope),
                source=sources.get(source, source),
                registered_by=by,
                organisation=organisation,
                by_representative=by_representative,
            )
            for at, decision, scope, source, by, organisation, by_representative in rows.history
        ],
        consultations=[
            Consultation(
                at=at,
                organisation=organisation,
                role=roles.get(role, role),
                basis=bases.get(basis, basis),
                emergency=basis == ConsentBasis.EMERGENCY_ACCESS,
            )
            for at, organisation, role, basis in rows.consultations
        ],
        notifications=notification_rows(rows.notifications),
    )
