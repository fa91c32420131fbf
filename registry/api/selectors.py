"""What the API reads: which of the asked patients are the practice's own, and one patient's
choices."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from consent.models import ConsentRegistration, Decision, Scope
from consent.selectors import registered_state
from summaries.models import Enrolment, GpPractice, Summary


def own_patients(
    *, practice: GpPractice, patients: Iterable[tuple[str, dt.date]]
) -> set[tuple[str, dt.date]]:
    """Of these (BSN, birth date) pairs, those that are the practice's own patients: the
    rule of registry.selectors.own_patient — enrolled with the practice, and the birth date
    what the portal holds of them (their summary's, else one registered with a choice;
    found by BSN alone if it holds none) — for a whole batch in three queries.
    tests/registry/test_api_selectors.py compares the two."""
    pairs = set(patients)
    bsns = {bsn for bsn, _date in pairs}
    if not bsns:
        return set()
    enrolled = set(
        Enrolment.objects.filter(practice=practice, bsn__any_of=bsns).values_list("bsn", flat=True)
    )
    known: dict[str, set[dt.date]] = {
        bsn: {birth_date}
        for bsn, birth_date in Summary.objects.filter(bsn__any_of=enrolled).values_list(
            "bsn", "birth_date"
        )
    }
    without_summary = enrolled - known.keys()
    registered: dict[str, set[dt.date]] = defaultdict(set)
    if without_summary:
        for bsn, birth_date in (
            ConsentRegistration.objects.filter(
                patient_bsn__any_of=without_summary, patient_birth_date__isnull=False
            )
            .values_list("patient_bsn", "patient_birth_date")
            .distinct()
        ):
            registered[bsn].add(birth_date)
    known.update(registered)
    return {
        (bsn, birth_date)
        for bsn, birth_date in pairs
        if bsn in enrolled and (not known.get(bsn) or birth_date in known[bsn])
    }


@dataclass(frozen=True)
class PatientChoices:
    bsn: str
    birth_date: dt.date
    current: dict[Scope, Decision]  # for a HAP and for an SEH
    history: list[ConsentRegistration]  # newest first


def patient_choices(*, bsn: str, birth_date: dt.date) -> PatientChoices:
    """The patient's current choice per scope (consent.selectors.registered_state, the
    rule triage applies) and every registration, newest first. The caller checked that the
    patient is the practice's own."""
    return PatientChoices(
        bsn=bsn,
        birth_date=birth_date,
        current={
            scope: registered_state(patient_bsn=bsn, requester_scope=scope)
            for scope in (Scope.HAP, Scope.SEH)
        },
        history=list(
            ConsentRegistration.objects.filter(patient_bsn=bsn).order_by("-registered_at", "-id")
        ),
    )
