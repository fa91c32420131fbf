"""What the API reads: which of the asked patients are the practice's own, and one patient's
choices."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import connection

from consent.models import ConsentRegistration, Decision, Scope
from consent.selectors import registered_state
from summaries.models import Enrolment, GpPractice, Summary


def own_patients(
    *, practice: GpPractice, patients: Iterable[tuple[str, dt.date]]
) -> set[tuple[str, dt.date]]:
    """Of these (BSN, birth date) pairs, those that are the practice's own patients: the
    rule of registry.selectors.own_patient — enrolled with the practice, and the birth date
    what the portal holds of them (their summary's, else one registered with a choice;
    found by BSN alone if it holds none) — for a whole batch in one statement on
    PostgreSQL (the pairs sent as two arrays). tests/registry/test_batch.py compares it
    with own_patient."""
    pairs = set(patients)
    if not pairs:
        return set()
    if connection.vendor != "postgresql":
        return _own_patients_orm(practice, pairs)
    bsns, birth_dates = zip(*pairs, strict=True)
    with connection.cursor() as cursor:
        if connection.in_atomic_block:
            # Five thousand index probes look costly to the planner, which would spend
            # ~150 ms compiling the statement (JIT) to save a few; until the batch's
            # transaction ends. Outside one (a lookup: one patient) it stays below the cost.
            cursor.execute("SET LOCAL jit = off")
        cursor.execute(_OWN_PATIENTS_SQL, [list(bsns), list(birth_dates), practice.pk])
        return set(cursor.fetchall())


# Per asked pair, by index: the patient's practice and the summary's birth date (enrolment
# and summary are unique per BSN), and only for those without a summary the birth dates
# registered with their choices — null when there are none, so the BSN alone finds them.
# Correlated subqueries rather than joins: the planner would hash the whole enrolment and
# registration tables (millions of rows) for a batch of 5,000.
_OWN_PATIENTS_SQL = f"""
SELECT asked.bsn, asked.birth_date
FROM (
    SELECT asked.bsn, asked.birth_date,
        (SELECT enrolment.practice_id FROM {Enrolment._meta.db_table} enrolment
         WHERE enrolment.bsn = asked.bsn) AS practice_id,
        (SELECT summary.birth_date FROM {Summary._meta.db_table} summary
         WHERE summary.bsn = asked.bsn) AS summary_birth_date
    FROM unnest(%s::varchar[], %s::date[]) AS asked (bsn, birth_date)
) asked
WHERE asked.practice_id = %s
  AND CASE
    WHEN asked.summary_birth_date IS NOT NULL THEN asked.summary_birth_date = asked.birth_date
    ELSE coalesce((
        SELECT bool_or(registration.patient_birth_date = asked.birth_date)
        FROM {ConsentRegistration._meta.db_table} registration
        WHERE registration.patient_bsn = asked.bsn
          AND registration.patient_birth_date IS NOT NULL
    ), true)
  END
"""  # noqa: S608 - table names from the models, values as parameters


def _own_patients_orm(
    practice: GpPractice, pairs: set[tuple[str, dt.date]]
) -> set[tuple[str, dt.date]]:
    """own_patients in three queries through the ORM (other databases than PostgreSQL)."""
    bsns = {bsn for bsn, _date in pairs}
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
