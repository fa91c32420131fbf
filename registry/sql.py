"""The GP's patient page's reads, written by hand (issue 13), and why.

docs/performance.md ("Registry (issue 13)") measured the page through the ORM at 6.7× hello's
p50 under load: ten statements, seven of them the page's own reads, which cost ~5 ms of its
~15 in-process, mostly Django building and compiling the queries. Here the same reads are
one statement on PostgreSQL, behind the signature of the ORM version they replace
(registry.selectors.patient_rows_orm, still used on other databases);
tests/registry/test_selectors_sql.py compares the two over varied patients and histories.

- the patient: enrolled with the GP's practice, the birth date checked as
  registry.selectors.own_patient checks it, the name from the summary, and the registry's
  decision for a HAP and an SEH (consent.sql's fragment: consent's rule, not a copy);
- with it, the history of registrations, who consulted the summary (from the ledger) and
  the practice's notifications about the patient (issue 15), newest first, each as a JSON
  array of rows.
"""

from __future__ import annotations

import datetime as dt
from typing import NamedTuple

from django.db import connection

from audit.models import EventType
from consent.models import Decision, Scope
from consent.selectors import registered_from
from consent.sql import current_decision_params, current_decision_sql
from portal.models import Membership
from registry.notification_rows import NOTIFICATION_FIELDS
from summaries.models import GpPractice

# The scopes the page shows the current choice for, in its order.
SCOPES_SHOWN = (Scope.HAP, Scope.SEH)
# The columns of a history row and of a consultation, in this order.
HISTORY_FIELDS = (
    "registered_at",
    "decision",
    "scope",
    "source",
    "registered_by_name",
    "organisation_name",
    "by_representative",
)
CONSULTATION_FIELDS = ("occurred_at", "organisation_name", "user_portal_role", "consent_basis")


class PatientRows(NamedTuple):
    """What the GP's patient page reads, as rows."""

    practice: GpPractice  # (through SQL: its id, AGB and name; the rest deferred)
    enrolled_since: dt.datetime
    name: str  # from the summary; "" when there is none or it holds no name as text
    current: dict[Scope, Decision]  # for a HAP and for an SEH
    history: list[tuple]  # HISTORY_FIELDS, newest first
    consultations: list[tuple]  # CONSULTATION_FIELDS, newest first
    notifications: list[tuple]  # NOTIFICATION_FIELDS, the practice's own, newest first


# One row when the patient is enrolled with the practice of this AGB and the birth date is
# what the portal holds of them: their summary's, else one registered with a choice (found
# by BSN alone if it holds none). The name only when the summary has one as a JSON string.
# The history, the consultations and the practice's notifications about the patient come
# with it, each as one JSON array of rows: one statement instead of three saved ~0.2 ms of
# Python and of PostgreSQL CPU a page (bench/profile_pages.py), each round trip costing
# more than these small reads; the notifications through the ORM cost ~1.4 ms more.
PATIENT_SQL = (
    'SELECT p."id", p."agb", p."name", e."since", '  # noqa: S608 (our SQL only)
    "CASE WHEN jsonb_typeof(s.\"sections\" #> '{patient,name}') = 'string' "
    "THEN s.\"sections\" #>> '{patient,name}' ELSE '' END, "
    + ", ".join(current_decision_sql('e."bsn"') for _scope in SCOPES_SHOWN)
    + ", (SELECT json_agg(json_build_array("
    + ", ".join(f'r."{name}"' for name in HISTORY_FIELDS)
    + ') ORDER BY r."registered_at" DESC, r."id" DESC)'
    ' FROM "consent_consentregistration" r WHERE r."patient_bsn" = e."bsn"), '
    "(SELECT json_agg(json_build_array("
    + ", ".join(f'v."{name}"' for name in CONSULTATION_FIELDS)
    + ') ORDER BY v."occurred_at" DESC) FROM (SELECT '
    + ", ".join(f'a."{name}"' for name in CONSULTATION_FIELDS)
    + ' FROM "audit_accessevent" a WHERE a."patient_bsn" = e."bsn" AND a."event_type" = %s'
    ' ORDER BY a."occurred_at" DESC LIMIT %s) v), '
    "(SELECT json_agg(json_build_array("
    + ", ".join(f'n."{name}"' for name in NOTIFICATION_FIELDS)
    + ') ORDER BY n."occurred_at" DESC, n."event_seq" DESC) FROM "registry_gpnotification" n'
    ' WHERE n."practice_id" = p."id" AND n."patient_bsn" = e."bsn")'
    ' FROM "summaries_enrolment" e'
    ' JOIN "summaries_gppractice" p ON p."id" = e."practice_id"'
    ' LEFT JOIN "summaries_summary" s ON s."bsn" = e."bsn"'
    ' WHERE e."bsn" = %s AND p."agb" = %s AND CASE'
    ' WHEN s."id" IS NOT NULL THEN s."birth_date" = %s'
    ' ELSE coalesce((SELECT bool_or(r."patient_birth_date" = %s)'
    ' FROM "consent_consentregistration" r'
    ' WHERE r."patient_bsn" = e."bsn" AND r."patient_birth_date" IS NOT NULL), true) END'
)


def _timed(rows: list[list] | None) -> list[tuple]:
    """JSON rows as tuples, the first value (a time, as ISO text in JSON) as a datetime."""
    return [(dt.datetime.fromisoformat(row[0]), *row[1:]) for row in rows or []]


_READ_AT = NOTIFICATION_FIELDS.index("read_at")


def _notifications(rows: list[list] | None) -> list[tuple]:
    """As _timed, and the time it was read (null in JSON until then) as a datetime too."""
    return [
        (
            *row[:_READ_AT],
            row[_READ_AT] and dt.datetime.fromisoformat(row[_READ_AT]),
            *row[_READ_AT + 1 :],
        )
        for row in _timed(rows)
    ]


def patient_rows(
    *, membership: Membership, bsn: str, birth_date: dt.date, consultations: int
) -> PatientRows | None:
    """The page's reads for one of the membership's practice's own patients; None for anyone
    else (another practice's patient, an unknown BSN, a birth date that does not match)."""
    agb = membership.organisation.agb
    if not agb:
        return None
    with connection.cursor() as cursor:
        cursor.execute(
            PATIENT_SQL,
            [
                *(p for scope in SCOPES_SHOWN for p in current_decision_params(scope)),
                EventType.SUMMARY_VIEW,
                consultations,
                bsn,
                agb,
                birth_date,
                birth_date,
            ],
        )
        row = cursor.fetchone()
    if row is None:
        return None
    practice_id, practice_agb, practice_name, since, name, *decisions, history, views, notes = row
    return PatientRows(
        practice=GpPractice.from_db(
            connection.alias, ["id", "agb", "name"], [practice_id, practice_agb, practice_name]
        ),
        enrolled_since=since,
        name=name,
        current={
            scope: registered_from(decision)
            for scope, decision in zip(SCOPES_SHOWN, decisions, strict=True)
        },
        history=_timed(history),
        consultations=_timed(views),
        notifications=_notifications(notes),
    )
