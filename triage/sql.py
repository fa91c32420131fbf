"""The hand-written statements of triage, and why each is one.

The lookup benchmark (docs/performance.md, "Lookup") measured the plain-ORM pages below the
goals (summary page 5.6× hello's p50, 0.19× its throughput): building and compiling the
ORM queries took a third of the summary page's CPU. So the reads of the two hot pages are
written here, each with a test that compares its answer with the ORM query it replaces
(tests/triage/test_sql.py; the search's in tests/triage/test_guessing.py):

- search_facts: what a search decides on, in one statement after the user's row lock;
- encounter_row: the encounter, the answer at the point of care and the registry's
  decision (the summary page and the consent page);
- summary_shown_row and summary_still_kept: the summary page's read, and its check after
  the ledger event.

Everything else, writes included, is the ORM.
"""

from __future__ import annotations

import datetime as dt
import functools

from django.db import connection
from django.db.models import Model

from audit.models import AccessEvent, ConsentBasis, EventType, Outcome
from consent.models import ConsentRegistration, Scope
from consent.sql import current_decision_params, current_decision_sql
from summaries.models import GpPractice, Summary
from triage.models import Encounter, PointOfCareConsent

# Everything a search decides on, in one statement: the throttle counts over the user's own
# recent searches, in one pass over them (index audit_event_user_time) — different
# patients, whether this BSN is among them, and searches that found nobody (a failure
# without a consent basis: a refusal found has one) — the patient's registered decision, the
# summary id for this BSN and birth date, and whether a registration was made with this
# birth date (a refusal purges the summary). Read after the user's row lock is held
# (_lock_user), so that it sees every search that went before.
SEARCH_FACTS_SQL = (
    "SELECT c.patients, c.seen, c.failed, "  # noqa: S608 (our SQL only)
    f"{current_decision_sql('%s')}, "
    '(SELECT s."id" FROM "summaries_summary" s WHERE s."bsn" = %s AND s."birth_date" = %s), '
    'EXISTS (SELECT 1 FROM "consent_consentregistration" r '
    ' WHERE r."patient_bsn" = %s AND r."patient_birth_date" = %s) '
    "FROM (SELECT "
    ' count(DISTINCT a."patient_bsn") FILTER (WHERE a."patient_bsn" <> \'\') AS patients, '
    ' count(*) FILTER (WHERE a."patient_bsn" = %s) AS seen, '
    ' count(*) FILTER (WHERE a."outcome" = %s AND a."consent_basis" = %s) AS failed '
    ' FROM "portal_user" u JOIN "audit_accessevent" a ON a."user_username" = u."username" '
    ' AND a."occurred_at" >= %s AND a."event_type" = %s '
    ' WHERE u."id" = %s) c'
)


def _param(model, name: str, value):
    """A value as the ORM would send it for that field on this database."""
    return model._meta.get_field(name).get_db_prep_value(value, connection)


def search_facts(
    *, user_id: int, bsn: str, birth_date: dt.date, scope: Scope, since: dt.datetime
) -> tuple:
    """(different patients searched since `since`, searches of this BSN since then,
    searches that found nobody since then, the registered decision or None, the summary id
    for this BSN and birth date or None, whether a registration has this birth date)."""
    with connection.cursor() as cursor:
        cursor.execute(
            SEARCH_FACTS_SQL,
            [
                bsn,
                *current_decision_params(scope),
                bsn,
                _param(Summary, "birth_date", birth_date),
                bsn,
                _param(ConsentRegistration, "patient_birth_date", birth_date),
                bsn,
                Outcome.MINOR_FAILURE,
                ConsentBasis.NONE,
                _param(AccessEvent, "occurred_at", since),
                EventType.PATIENT_SEARCH,
                user_id,
            ],
        )
        return cursor.fetchone()


ENCOUNTER_FIELDS = [f.attname for f in Encounter._meta.concrete_fields]
ANSWER_FIELDS = [f.attname for f in PointOfCareConsent._meta.concrete_fields]
# The encounter (the user's own), its answer at the point of care if there is one, and the
# registry's deciding registration for the requester's scope: the consent decision's inputs.
ENCOUNTER_SQL = (
    "SELECT "  # noqa: S608 (our SQL only)
    + ", ".join(f'e."{name}"' for name in ENCOUNTER_FIELDS)
    + ", "
    + ", ".join(f'c."{name}"' for name in ANSWER_FIELDS)
    + ", "
    + current_decision_sql('e."patient_bsn"')
    + ' FROM "triage_encounter" e'
    ' LEFT JOIN "triage_pointofcareconsent" c ON c."encounter_id" = e."id"'
    ' WHERE e."public_id" = %s AND e."user_id" = %s AND e."membership_id" = %s'
)


def _instance(model: type[Model], names: list[str], values) -> Model:
    """A model instance from a row (its columns in the model's field order), each value
    converted as the ORM converts it: the backend's converters (SQLite gives datetimes as
    text) and the field's own (a JSON column arrives as text)."""
    converted = []
    columns = _converters(connection.vendor, model, tuple(names))
    for (converters, column), value in zip(columns, values, strict=True):
        for convert in converters:
            value = convert(value, column, connection)
        converted.append(value)
    return model.from_db(connection.alias, names, converted)


@functools.cache
def _converters(vendor: str, model: type[Model], names: tuple[str, ...]) -> list:
    """Per column: its converters and the column they take. Worked out once per process
    (the vendor in the key: the tests run SQLite and PostgreSQL in one process)."""
    fields = {f.attname: f for f in model._meta.concrete_fields}
    columns = [fields[name].get_col(model._meta.db_table) for name in names]
    return [
        (connection.ops.get_db_converters(c) + c.get_db_converters(connection), c) for c in columns
    ]


def encounter_row(
    *, public_id, user_id: int, membership_id: int, scope: Scope
) -> tuple[Encounter, PointOfCareConsent | None, str | None] | None:
    """(the encounter, its answer or None, the registered decision or None), or None when
    this user has no such encounter under this membership."""
    with connection.cursor() as cursor:
        cursor.execute(
            ENCOUNTER_SQL,
            [
                *current_decision_params(scope),
                _param(Encounter, "public_id", public_id),
                user_id,
                membership_id,
            ],
        )
        row = cursor.fetchone()
    if row is None:
        return None
    split = len(ENCOUNTER_FIELDS)
    encounter = _instance(Encounter, ENCOUNTER_FIELDS, row[:split])
    answer_values = row[split : split + len(ANSWER_FIELDS)]
    answer = None
    if answer_values[0] is not None:
        answer = _instance(PointOfCareConsent, ANSWER_FIELDS, answer_values)
    return encounter, answer, row[-1]


def _in_model_order(model: type[Model], names: set[str]) -> list[str]:
    """Column names in the model's field order, which Model.from_db expects."""
    return [f.attname for f in model._meta.concrete_fields if f.attname in names]


SUMMARY_FIELDS = _in_model_order(Summary, {"id", "bsn", "sections", "fetched_at", "practice_id"})
PRACTICE_FIELDS = _in_model_order(GpPractice, {"id", "name", "consecutive_failures"})
# What the summary page shows: the typed sections and where they came from (not the source
# bundle, nor the practice's bearer token).
SUMMARY_SQL = (
    "SELECT "  # noqa: S608 (our SQL only)
    + ", ".join(f's."{name}"' for name in SUMMARY_FIELDS)
    + ", "
    + ", ".join(f'p."{name}"' for name in PRACTICE_FIELDS)
    + ' FROM "summaries_summary" s JOIN "summaries_gppractice" p ON p."id" = s."practice_id"'
    ' WHERE s."id" = %s AND s."bsn" = %s'
)
STILL_KEPT_SQL = 'SELECT EXISTS (SELECT 1 FROM "summaries_summary" WHERE "id" = %s AND "bsn" = %s)'


def summary_shown_row(*, summary_id: int, bsn: str) -> Summary | None:
    """The summary with that id if it is still this patient's, with its practice's name and
    health; None when it is gone (purged, or replaced under another BSN)."""
    with connection.cursor() as cursor:
        cursor.execute(SUMMARY_SQL, [summary_id, bsn])
        row = cursor.fetchone()
    if row is None:
        return None
    split = len(SUMMARY_FIELDS)
    summary = _instance(Summary, SUMMARY_FIELDS, row[:split])
    summary.practice = _instance(GpPractice, PRACTICE_FIELDS, row[split:])
    return summary


def summary_still_kept(*, summary_id: int, bsn: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(STILL_KEPT_SQL, [summary_id, bsn])
        return cursor.fetchone()[0]
